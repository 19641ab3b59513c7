/**
 * A first draft of alt text from the prompt, for the agent to refine: what the image shows, in a sentence. Prompt
 * syntax goes (weights like `(word:1.2)`, `<lora:…>`, brackets), so do the quality and camera tags that say nothing
 * about the content, and the "image of"/"photo of" openings screen readers already announce. At most 125
 * characters (what many screen readers read without a pause), cut at a word, sentence-cased. Pure.
 */

export const maxAltLength = 125;

/** Tags that describe the rendering, not the subject: dropped wherever they stand in the comma list. */
const qualityTag = new RegExp(
  '^(?:' +
    [
      '(?:\\d{1,2}k|uhd|hdr|hd|4k uhd|8k uhd|ultra hd|high res(?:olution)?|hi-?res|raw photo)',
      '(?:(?:ultra|hyper|very|highly|extremely|insanely) )?(?:detailed|realistic|photorealistic|sharp)',
      '(?:intricate|fine|extreme|high) details?',
      'masterpiece|best quality|high quality|top quality|award[- ]winning(?: photo(?:graph)?)?',
      'trending on (?:artstation|pixiv|cgsociety)|artstation|unreal engine(?: \\d)?|octane render|unity',
      '(?:sharp|soft) focus|bokeh|depth of field|dof|film grain|cinematic(?: lighting)?|studio lighting',
      '(?:\\d{2,3}mm|f/?\\d+(?:\\.\\d+)?)(?: lens)?|dslr|nikon|canon|sony a7\\w*|(?:shot|taken) on \\w+',
      'sfw|nsfw|no text|no watermark|watermark|signature',
    ].join('|') +
    ')$',
  'iu',
);

/** Openings that only say it is an image. */
const redundantOpening =
  /^(?:an? |the )?(?:(?:high[- ]quality|detailed|beautiful|stunning) )?(?:image|picture|photo|photograph|illustration|render|rendering) (?:of|showing|depicting) /iu;

export function draftAlt(prompt: string): string {
  const clauses = stripSyntax(prompt)
    .split(/[,;\n|]+/u)
    .map((clause) => clause.replace(/\s+/gu, ' ').trim())
    .filter((clause) => clause.length > 0 && !qualityTag.test(clause));
  let text = clauses.join(', ').replace(redundantOpening, '');
  text = text.replace(/[\s,.;:!-]+$/u, '');
  if (text.length > maxAltLength) text = cutAtWord(text, maxAltLength);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function stripSyntax(prompt: string): string {
  return prompt
    .replace(/<[^>]*>/gu, ' ') // <lora:name:0.8>, <embedding>
    .replace(/:\s*-?\d+(?:\.\d+)?\s*(?=[)\]])/gu, '') // (word:1.2) weights
    .replace(/[()[\]{}]/gu, ' ')
    .replace(/\s+/gu, ' ');
}

function cutAtWord(text: string, limit: number): string {
  const slice = text.slice(0, limit + 1);
  const lastSpace = slice.lastIndexOf(' ');
  const cut = lastSpace > limit / 2 ? slice.slice(0, lastSpace) : text.slice(0, limit);
  return cut.replace(/[\s,.;:!-]+$/u, '');
}
