/**
 * Names the gallery shows for its files: the file name, and where two shown items share it, as many parent folders
 * as it takes to tell them apart (`blog/hero.png`, `shop/hero.png`). Pure.
 */

function segmentsOf(path: string): string[] {
  return path.split(/[\\/]/u).filter((segment) => segment !== '');
}

/** The last `depth` segments of a path, joined with `/`. */
function tail(segments: readonly string[], depth: number): string {
  return segments.slice(-depth).join('/');
}

/** Each distinct path's shown name, keyed by path. */
export function displayNames(paths: readonly string[]): Map<string, string> {
  const unique = [...new Set(paths)];
  const names = new Map<string, string>();
  const byFileName = new Map<string, string[]>();
  for (const path of unique) {
    const name = segmentsOf(path).at(-1) ?? path;
    byFileName.set(name, [...(byFileName.get(name) ?? []), path]);
  }
  for (const [name, group] of byFileName) {
    if (group.length === 1) {
      names.set(group[0]!, name);
      continue;
    }
    const split = group.map(segmentsOf);
    const longest = Math.max(...split.map((segments) => segments.length));
    // The shortest tail that tells every pair apart; the whole path when even that does not (it always does).
    let depth = 2;
    while (depth < longest && new Set(split.map((segments) => tail(segments, depth))).size < group.length)
      depth++;
    group.forEach((path, index) => names.set(path, tail(split[index]!, depth)));
  }
  return names;
}
