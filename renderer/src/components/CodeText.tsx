/**
 * A message with `backtick` spans (the bridge's messages name commands and settings that way) shown as text
 * with those spans as code, never as literal backticks.
 */
export function CodeText({ text }: { text: string }) {
  const parts = text.split('`');
  // An unpaired backtick stays as it is, with the text after it.
  if (parts.length % 2 === 0) parts.splice(-2, 2, `${parts.at(-2)}\`${parts.at(-1)}`);
  return <>{parts.map((part, index) => (index % 2 === 1 ? <code key={index}>{part}</code> : part))}</>;
}
