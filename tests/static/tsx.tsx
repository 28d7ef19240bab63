import React from "react";

// Shows a list.
export function List(props: { items: string[]; on: boolean }) {
  if (!props.on || props.items.length === 0) {
    return null;
  }
  return (
    <ul className="list">
      {props.items.map((s) => <li key={s}>{s}</li>)}
    </ul>
  );
}

class Store {
  items: string[] = [];
  count = 0;
  push(s: string) { this.items.push(s); this.count++; }
  size() { return this.count; }
  clear() { this.items = []; }
  static make() { return new Store(); }
}

const pick = (xs: string[], i: number) => (i >= 0 && i < xs.length ? xs[i] : "");
