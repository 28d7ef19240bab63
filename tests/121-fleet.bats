#!/usr/bin/env bats
# pipelines/fleet.sh: repositories analysed as GNU parallel jobs, locally and
# over ssh to an sshd on 127.0.0.1 started here, then merged by cf-reduce.

load test_helper

FLEET=$BATS_TEST_DIRNAME/../pipelines/fleet.sh
GENREPO=$BATS_TEST_DIRNAME/../bench/genrepo

# sshd on a free loopback port, a generated host key and one authorized key;
# writes ssh.cfg (host "cfhost") or returns 1.
start_sshd() {
	local d=$BATS_FILE_TMPDIR/sshd port
	[[ -x /usr/sbin/sshd ]] || return 1
	mkdir -p "$d" && chmod 700 "$d"
	[[ $(id -u) == 0 ]] && mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$d/host" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$d/user" || return 1
	cp "$d/user.pub" "$d/authorized_keys"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat > "$d/sshd_config" <<-EOF
	ListenAddress 127.0.0.1
	Port $port
	HostKey $d/host
	AuthorizedKeysFile $d/authorized_keys
	PidFile $d/sshd.pid
	StrictModes no
	UsePAM no
	PermitRootLogin yes
	PasswordAuthentication no
	EOF
	/usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" || return 1
	cat > "$BATS_FILE_TMPDIR/ssh.cfg" <<-EOF
	Host cfhost
	  HostName 127.0.0.1
	  Port $port
	  IdentityFile $d/user
	  IdentitiesOnly yes
	  StrictHostKeyChecking no
	  UserKnownHostsFile /dev/null
	  LogLevel ERROR
	  BatchMode yes
	EOF
	timeout 20 ssh -F "$BATS_FILE_TMPDIR/ssh.cfg" cfhost true
}

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	if ! command -v parallel >/dev/null && [[ $(id -u) == 0 ]]; then
		DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq parallel >/dev/null 2>&1
	fi
	"$GENREPO" -n 30 -f 6 -a 3 -s 21 alpha.git >/dev/null
	"$GENREPO" -n 20 -f 5 -a 2 -s 22 beta >/dev/null
	"$GENREPO" -n 25 -f 4 -a 3 -s 23 gamma >/dev/null
	mkdir broken
	printf '%s\n' alpha.git beta gamma broken > list
	if start_sshd; then
		echo ok > sshd.ok
	fi
}

teardown_file() {
	local pid=$BATS_FILE_TMPDIR/sshd/sshd.pid
	[[ -s $pid ]] && kill "$(cat "$pid")" 2>/dev/null
	return 0
}

setup() {
	cd "$BATS_FILE_TMPDIR"
	command -v parallel >/dev/null || skip "GNU parallel is not installed and cannot be"
}

@test "fleet: each repository a job, the failed one reported, the rest merged" {
	run --separate-stderr "$FLEET" -j 2 -o out --joblog out.log list
	assert_failure 1
	assert_line --index 1 --partial '"codefang"'
	[[ $stderr == *"fleet: failed: broken ($PWD/broken): cf-"*"not a git repository"* ]]
	[[ $stderr == *"fleet: 1 of 4 repositories failed"* ]]
	printf '%s\n' "$output" > local.json
	assert_file_exists out/alpha.mp
	assert_file_exists out/beta.mp
	assert_file_not_exists out/broken.mp
	# the document is the merge of the three results, named by directory
	cf-reduce out/alpha.mp out/beta.mp out/gamma.mp > want.json
	cmp want.json local.json
	run jq -c '[.codefang.repositories[].name, .codefang.commits,
		    (.couples.files | map(split(":")[0]) | unique)]' local.json
	assert_output '["alpha","beta","gamma",75,["alpha","beta","gamma"]]'
	# the job log has the four jobs, one failed
	run awk -F'\t' 'NR > 1 && $7 != 0' out.log
	assert_output --partial "broken"
	assert_equal "$(($(wc -l < out.log) - 1))" 4
}

@test "fleet: the analyzers of syntax records and anomaly, merged" {
	printf '%s\n' alpha.git beta gamma > list3
	run --separate-stderr "$FLEET" -j 2 -a shotness,sentiment,quality,anomaly -o out3 list3
	assert_success
	printf '%s\n' "$output" > syntax.json
	cf-reduce out3/alpha.mp out3/beta.mp out3/gamma.mp > want3.json
	cmp want3.json syntax.json
	run jq -c '[.codefang.commits, (keys - ["codefang", "scope"]), .quality.commits,
		    ([.anomaly.ticks[].files] | add)]' syntax.json
	# every file change of the three histories is in a tick of the fleet's anomaly
	local files
	files=$(for r in alpha.git beta gamma; do git -C $r log --first-parent --format= --name-only; done |
		grep -c .)
	assert_output "[75,[\"anomaly\",\"quality\",\"sentiment\",\"shotness\"],75,$files]"
}

@test "fleet: a rerun skips what is done and retries what failed" {
	[[ -e out/alpha.mp ]] || skip "needs the first test's results"
	touch -d '2001-01-01' out/alpha.mp out/beta.mp out/gamma.mp
	rm -r broken
	"$GENREPO" -n 10 -f 3 -a 1 -s 24 broken >/dev/null
	run --separate-stderr "$FLEET" -o out list
	assert_success
	# untouched results: not run again
	[[ $(stat -c %Y out/alpha.mp) == $(date -d 2001-01-01 +%s) ]]
	run jq -c '[.codefang.repositories[].name, .codefang.commits]' <<<"$output"
	assert_output '["alpha","beta","broken","gamma",85]'
}

@test "fleet: URLs are cloned bare into the cache, names given in the list" {
	printf 'file://%s/beta\tb1\n%s/gamma g1\n' "$PWD" "$PWD" > urls
	run --separate-stderr "$FLEET" -o out-url -f msgpack urls
	assert_success
	assert_file_exists out-url/cache/b1.git/HEAD
	run git -C out-url/cache/b1.git rev-parse --is-bare-repository
	assert_output true
	cf-reduce -f json out-url/b1.mp | jq -S 'del(.codefang.repository, .codefang.name)' > b1.json
	cf-reduce -f json out/beta.mp | jq -S 'del(.codefang.repository, .codefang.name)' > b0.json
	cmp b0.json b1.json
	# two repositories of one name: refused before anything runs
	printf '%s\n' beta "$PWD/beta" > dup
	run "$FLEET" -o out-dup dup
	assert_failure 2
	assert_output --partial "two repositories named 'beta'"
}

@test "fleet: GNU parallel over ssh to 127.0.0.1 gives the local run's document" {
	[[ -e sshd.ok ]] || skip "sshd could not be started on 127.0.0.1"
	[[ -s local.json ]] || skip "needs the first test's document"
	printf '%s\n' alpha.git beta gamma > list3
	run --separate-stderr timeout 120 "$FLEET" -o out-ssh -S 2/cfhost \
		--ssh "ssh -F $BATS_FILE_TMPDIR/ssh.cfg" list3
	assert_success
	printf '%s\n' "$output" > ssh.json
	cf-reduce out/alpha.mp out/beta.mp out/gamma.mp > want3.json
	cmp want3.json ssh.json
	# the jobs ran through sshd: it logged the logins
	run grep -c "Accepted publickey" sshd/sshd.log
	assert [ "$output" -ge 3 ]
}

# A single-node Slurm on 127.0.0.1 in $1: munged with a generated key,
# slurmctld and slurmd on free ports; SLURM_CONF is exported.
start_slurm() {
	local d=$1 h ports
	command -v slurmctld >/dev/null && command -v munged >/dev/null || return 1
	[[ $(id -u) == 0 ]] || return 1
	mkdir -p "$d/state" "$d/spool"
	head -c 1024 /dev/urandom > "$d/munge.key" && chmod 400 "$d/munge.key"
	munged --force --key-file="$d/munge.key" --socket="$d/munge.sock" \
		--pid-file="$d/munged.pid" --log-file="$d/munged.log" --seed-file="$d/munge.seed" ||
		return 1
	h=$(hostname -s)
	ports=$(python3 -c 'import socket
for _ in range(2):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat > "$d/slurm.conf" <<-EOF
	ClusterName=cftest
	SlurmctldHost=$h(127.0.0.1)
	SlurmctldPort=${ports%%$'\n'*}
	SlurmdPort=${ports##*$'\n'}
	AuthType=auth/munge
	AuthInfo=socket=$d/munge.sock
	CredType=cred/munge
	SlurmUser=root
	SlurmdUser=root
	StateSaveLocation=$d/state
	SlurmdSpoolDir=$d/spool
	SlurmctldPidFile=$d/slurmctld.pid
	SlurmdPidFile=$d/slurmd.pid
	SlurmctldLogFile=$d/slurmctld.log
	SlurmdLogFile=$d/slurmd.log
	ProctrackType=proctrack/linuxproc
	TaskPlugin=task/none
	SelectType=select/cons_tres
	SelectTypeParameters=CR_Core
	ReturnToService=2
	JobCompType=jobcomp/none
	AccountingStorageType=accounting_storage/none
	NodeName=$h NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
	PartitionName=debug Nodes=$h Default=YES MaxTime=INFINITE State=UP
	EOF
	export SLURM_CONF=$d/slurm.conf
	slurmctld -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF" || return 1
	for _ in $(seq 60); do
		timeout 5 sinfo -h -o %t 2>/dev/null | grep -q idle && return 0
		sleep 1
	done
	return 1
}

stop_slurm() {
	local f
	for f in slurmd slurmctld munged; do
		[[ -s $1/$f.pid ]] && kill "$(cat "$1/$f.pid")" 2>/dev/null
	done
	return 0
}

@test "slurm: a job array of repositories and a dependent reduce job on a loopback Slurm" {
	local d=$BATS_FILE_TMPDIR/slurm
	start_slurm "$d" || { stop_slurm "$d"; skip "no single-node Slurm (slurm-wlm, munge, root) on 127.0.0.1"; }
	printf '%s\n' alpha.git beta gamma > slist
	mkdir nothing-here
	echo nothing-here >> slist
	run timeout 30 "$BATS_TEST_DIRNAME/../pipelines/slurm-fleet.sh" -o "$PWD/sres" slist
	assert_success
	assert_output --partial "(4 repositories), reduce job"
	for _ in $(seq 90); do
		[[ -s sres/failed ]] && compgen -G 'sres/slurm-reduce-*.out' >/dev/null &&
			[[ -s $(echo sres/slurm-reduce-*.out) ]] && break
		sleep 1
	done
	stop_slurm "$d"
	run cat sres/failed
	assert_output nothing-here
	cf-reduce sres/alpha.mp sres/beta.mp sres/gamma.mp > want-slurm.json
	cmp want-slurm.json sres/fleet.json
	run cat sres/slurm-reduce-*.out
	assert_output --partial "merged 3 repositories"
}
