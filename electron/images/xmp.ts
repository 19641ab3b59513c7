/**
 * The XMP packet that carries a generation's metadata in JPEG and WebP files: one property per key in the bridge's
 * own namespace, plus the prompt as dc:description so file browsers and photo tools show it.
 */
const namespace = 'https://github.com/comfyui-mcp-bridge/xmp/1.0/';
const keyPattern = /^[A-Za-z_][A-Za-z0-9_-]*$/u;

export function xmpPacket(properties: Record<string, string>): string {
  const fields = Object.entries(properties).map(([key, value]) => {
    if (!keyPattern.test(key))
      throw new Error(`"${key}" cannot be an XMP property name; use letters, digits, "_" or "-".`);
    return `   <bridge:${key}>${escapeXml(value)}</bridge:${key}>`;
  });
  const description =
    properties['bridge-prompt'] === undefined
      ? []
      : [
          `   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">${escapeXml(properties['bridge-prompt'])}</rdf:li></rdf:Alt></dc:description>`,
        ];
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    `  <rdf:Description rdf:about="" xmlns:bridge="${namespace}" xmlns:dc="http://purl.org/dc/elements/1.1/">`,
    ...fields,
    ...description,
    '  </rdf:Description>',
    ' </rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('\n');
}

/** The bridge's own properties from an XMP packet written by xmpPacket. */
export function readXmpProperties(xmp: string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const match of xmp.matchAll(/<bridge:([A-Za-z_][A-Za-z0-9_-]*)>([\s\S]*?)<\/bridge:\1>/gu)) {
    const [, key, value] = match;
    if (key !== undefined && value !== undefined) properties[key] = unescapeXml(value);
  }
  return properties;
}

// eslint-disable-next-line no-control-regex -- XML 1.0 cannot carry these control characters at all
const forbiddenInXml = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/gu;

function escapeXml(text: string): string {
  return text.replace(forbiddenInXml, '').replace(/[&<>"]/gu, (c) => `&${entityNames[c]};`);
}

const entityNames: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' };

function unescapeXml(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/gu,
    (whole, name: string, dec?: string, hex?: string) => {
      if (dec) return String.fromCodePoint(Number(dec));
      if (hex) return String.fromCodePoint(parseInt(hex, 16));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[name] ?? whole;
    },
  );
}
