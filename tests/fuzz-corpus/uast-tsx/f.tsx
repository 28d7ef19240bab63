import React from "react";
/** A list item. */
export function Item({ name }: { name: string }) {
	return <li className="item">{name ? name : "none"}</li>;
}
export const List = (p: { xs: string[] }) => <ul>{p.xs.map((x) => <Item name={x} />)}</ul>;
