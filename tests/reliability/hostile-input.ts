import fc from 'fast-check';

/*
 * Arbitraries for hostile tool arguments: path text built from the tricks that escape naive checks, and values of
 * the wrong type. Pure generators; the fuzz tests decide what must hold.
 */

/** Path segments an attacker (or a confused agent) would try. */
const hostileSegments = [
  '..',
  '.',
  '...',
  'escape',
  'escape-file.png',
  'CON',
  'nul.png',
  'COM¹.png',
  'LPT3',
  'aux.txt',
  'image.png',
  'hero.webp',
  'photo.jpeg',
  'trailing.',
  'trailing ',
  'a:b.png',
  'what?.png',
  '\u0000.png',
  '\u2025', // two-dot leader, NFKC "‥" → ".."
  '\uff0e\uff0e', // fullwidth full stops, NFKC → ".."
  '\uff0f', // fullwidth solidus, NFKC → "/"
  'e\u0301.png', // NFD é
  '\u00e9.png', // NFC é
  'x'.repeat(300),
  '🙂'.repeat(70),
  '%2e%2e',
  '~',
  '$HOME',
  'outside',
  'secret.png',
];

const separator = fc.constantFrom('/', '\\', '//');

/** Relative or absolute paths made of hostile segments, plus absolute paths to the sandbox's forbidden places. */
export function hostilePath(forbidden: readonly string[]): fc.Arbitrary<string> {
  const relative = fc
    .tuple(fc.array(fc.constantFrom(...hostileSegments), { minLength: 1, maxLength: 6 }), separator)
    .map(([segments, sep]) => segments.join(sep));
  return fc.oneof(
    { weight: 5, arbitrary: relative },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...forbidden), relative).map(([root, rest]) => `${root}/${rest}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        ...forbidden,
        '/etc/passwd',
        'C:\\Windows\\win.ini',
        '\\\\server\\share\\x.png',
        '',
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  );
}

/** Anything JSON can carry, for fields whose type the agent got wrong. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

/** A field that is usually plausible, sometimes of the wrong type, sometimes left out. */
export function field<T>(plausible: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: plausible },
    { weight: 1, arbitrary: wrongValue },
    { weight: 2, arbitrary: fc.constant(undefined) },
  );
}

/** Drops undefined fields, as a JSON-RPC client would. */
export function present(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
