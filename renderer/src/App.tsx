export function App() {
  return (
    <main>
      <h1>ComfyUI MCP Bridge</h1>
    </main>
  );
}
