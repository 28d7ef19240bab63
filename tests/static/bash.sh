#!/bin/bash
source ./lib.sh
. /etc/profile

# Greets.
greet() {
  local name=$1
  if [ -z "$name" ] && [ "$2" != x ] || [ -n "$3" ]; then
    echo "hi"
  elif [ "$name" = root ]; then
    echo "root"
  else
    echo "$name"
  fi
}

count() {
  n=0
  for f in "$@"; do
    case "$f" in
      *.c|*.h) n=$((n + 1)) ;;
      *.sh) ;;
      *) continue ;;
    esac
  done
  while [ "$n" -gt 10 ]; do n=$((n - 1)); done
  echo "$n"
}
