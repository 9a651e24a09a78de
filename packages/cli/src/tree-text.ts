/** A line of a tree and the lines under it. */
export interface TreeNode {
  readonly label: string;
  readonly children?: readonly TreeNode[];
}

/**
 * Draws trees the way `tree` does, with box-drawing characters, or with ASCII stand-ins (`|-`, `` `- ``) where
 * Unicode is not wanted. Every root starts at the left margin.
 */
export function drawTree(roots: readonly TreeNode[], unicode: boolean): string {
  const [branch, last, pipe, blank] = unicode ? ['├─ ', '└─ ', '│  ', '   '] : ['|- ', '`- ', '|  ', '   '];
  const lines: string[] = [];
  const walk = (node: TreeNode, prefix: string, connector: string, childPrefix: string) => {
    lines.push(`${prefix}${connector}${node.label}`);
    const children = node.children ?? [];
    children.forEach((child, i) => {
      const isLast = i === children.length - 1;
      walk(child, prefix + childPrefix, isLast ? last : branch, isLast ? blank : pipe);
    });
  };
  for (const root of roots) walk(root, '', '', '');
  return lines.join('\n');
}
