import { CopyButton } from '../components/CopyButton.js';
import { ErrorNote, Loading } from '../components/Notes.js';
import { useResource } from '../state/live.js';

export function ConnectView() {
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
