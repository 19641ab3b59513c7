import type { WebAssetRecord } from '../../../shared/web-asset.js';
import { CopyButton } from '../components/CopyButton.js';
import { fileName } from '../state/gallery.js';
import { formatBytes } from '../state/status.js';

const formatLabels: Record<WebAssetRecord['variants'][number]['format'], string> = {
  avif: 'AVIF',
  webp: 'WebP',
  jpeg: 'JPEG',
  png: 'PNG',
  ico: 'ICO',
};

/**
 * An image made web-ready (convert_image, or a tool's `web` option): the files made for the page, the `sizes` the
 * snippet gives the browser, the placeholder shown while it loads, and the snippet to copy.
 */
export function WebAssetPanel({
  web,
  width,
  height,
}: {
  web: WebAssetRecord;
  width: number;
  height: number;
}) {
  return (
    <section className="web-asset" aria-label="Web asset">
      <h3>
        Web asset <span className="muted">({web.purpose})</span>
      </h3>
      <div className="web-asset-head">
        <div
          className="web-placeholder"
          data-role="placeholder"
          role="img"
          aria-label={`Placeholder, dominant colour ${web.dominantColor}`}
          title="Shown while the image loads"
          style={{
            aspectRatio: `${width} / ${height}`,
            backgroundColor: web.dominantColor,
            ...(web.placeholder ? { backgroundImage: `url("${web.placeholder.dataUrl}")` } : {}),
          }}
        />
        <dl className="facts">
          {web.sizes ? (
            <div className="fact">
              <dt>sizes</dt>
              <dd>
                <code data-role="sizes">{web.sizes}</code>
              </dd>
            </div>
          ) : null}
          <div className="fact">
            <dt>Alt draft</dt>
            <dd>{web.alt || '(decorative: empty)'}</dd>
          </div>
        </dl>
      </div>
      <table className="web-variants">
        <caption className="muted">
          {web.variants.length} {web.variants.length === 1 ? 'file' : 'files'},{' '}
          {formatBytes(web.variants.reduce((sum, variant) => sum + variant.bytes, 0))} in all
        </caption>
        <thead>
          <tr>
            <th scope="col">Format</th>
            <th scope="col">Width</th>
            <th scope="col">Height</th>
            <th scope="col">Size</th>
            <th scope="col">File</th>
          </tr>
        </thead>
        <tbody>
          {web.variants.map((variant) => (
            <tr key={variant.path} data-role="variant">
              <td>{formatLabels[variant.format]}</td>
              <td>{variant.width}</td>
              <td>{variant.height}</td>
              <td data-bytes={variant.bytes}>{formatBytes(variant.bytes)}</td>
              <td>
                <code title={variant.path}>{fileName(variant.path)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <CopyButton text={web.html} label="Copy HTML" caption="Copy HTML" />
      </div>
    </section>
  );
}
