import { CopyButton } from '../components/CopyButton.js';
import { ErrorNote, Loading } from '../components/Notes.js';
import { useLive, useResource } from '../state/live.js';

export function ConnectView() {
  const { client } = useLive();
  const { loaded } = useResource((client) => client.connect());
  if (loaded.state === 'loading') return <Loading what="agent configuration" />;
  if (loaded.state === 'error') return <ErrorNote error={loaded.error} what="the agent configuration" />;
  const info = loaded.value;
  return (
    <section aria-labelledby="connect-title">
      <h2 id="connect-title">Connect an agent</h2>
      <p>
        The MCP endpoint is <code>{info.mcpUrl}</code>. Cursor and VS Code install it in one click; for the
        others, paste the snippet where it says, then restart the agent (or reload its MCP servers).
      </p>
      {info.networkMcpUrls.length > 0 && (
        <p>
          From another machine, use{' '}
          {info.networkMcpUrls.map((url, index) => (
            <span key={url}>
              {index > 0 && ' or '}
              <code>{url}</code>
            </span>
          ))}{' '}
          in place of that address, with the same token.
        </p>
      )}
      <article className="card snippet" aria-labelledby="mcpb-title" data-client="claude-desktop-extension">
        <header className="snippet-head">
          <h3 id="mcpb-title">Claude Desktop extension</h3>
          {info.mcpb.available && (
            <a className="button primary" href={client.mcpbUrl()} download={info.mcpb.fileName}>
              Download the extension
            </a>
          )}
        </header>
        {info.mcpb.available ? (
          <p className="muted">
            Open <code>{info.mcpb.fileName}</code> once downloaded: Claude Desktop installs it (Settings →
            Extensions).
          </p>
        ) : (
          <p className="muted">
            No extension was built for this version and platform. Build it in the bridge’s source folder with{' '}
            <code>npm run dist:mcpb</code> (it writes <code>release/{info.mcpb.fileName}</code>), or use the
            Claude Desktop snippet below.
          </p>
        )}
      </article>
      {info.snippets.map((snippet) => {
        const titleId = `snippet-${snippet.client}`;
        return (
          <article
            key={snippet.client}
            className="card snippet"
            aria-labelledby={titleId}
            data-client={snippet.client}
          >
            <header className="snippet-head">
              <h3 id={titleId}>{snippet.title}</h3>
              {snippet.installUrl && (
                <a className="button primary" href={snippet.installUrl}>
                  Install in {snippet.title}
                </a>
              )}
              <CopyButton text={snippet.text} label={`Copy the ${snippet.title} snippet`} />
            </header>
            <p className="muted">
              {snippet.where === 'terminal' ? (
                'Run in a terminal:'
              ) : (
                <>
                  In <code>{snippet.where}</code>:
                </>
              )}
            </p>
            <pre tabIndex={0} aria-label={`${snippet.title} snippet`}>
              <code>{snippet.text}</code>
            </pre>
          </article>
        );
      })}
    </section>
  );
}
