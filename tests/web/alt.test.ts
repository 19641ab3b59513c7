import { describe, expect, it } from 'vitest';
import { draftAlt, maxAltLength } from '../../shared/alt-draft.js';

describe('draftAlt', () => {
  it('keeps what the image shows and drops quality tags, weights and "photo of"', () => {
    expect(
      draftAlt(
        'a photo of a (red fox:1.3) sleeping in fresh snow at dawn, 8k, highly detailed, masterpiece, trending on artstation, <lora:fox_v2:0.8>',
      ),
    ).toBe('A red fox sleeping in fresh snow at dawn');
    expect(draftAlt('Image of a lighthouse on a cliff, ultra detailed, 35mm, bokeh')).toBe(
      'A lighthouse on a cliff',
    );
    expect(draftAlt('picture of two people hiking, golden hour, best quality')).toBe(
      'Two people hiking, golden hour',
    );
  });

  it('is at most 125 characters, cut at a word, without trailing punctuation', () => {
    const long =
      'a busy night market in Taipei with lanterns, steaming food stalls, crowds of people, neon signs reflected in puddles, scooters parked along the street, light rain';
    const alt = draftAlt(long);
    expect(alt.length).toBeLessThanOrEqual(maxAltLength);
    expect(long.toLowerCase()).toContain(alt.toLowerCase());
    expect(alt).toMatch(/[a-z]$/u);
    expect(long.charAt(alt.length)).toMatch(/[\s,]/u);
  });

  it('sentence-cases without touching the rest', () => {
    expect(draftAlt('iPhone on a desk next to a MacBook')).toBe('IPhone on a desk next to a MacBook');
    expect(draftAlt('  sunset over Lisbon.  ')).toBe('Sunset over Lisbon');
  });
});
