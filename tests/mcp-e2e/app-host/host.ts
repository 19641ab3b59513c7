/*
 * A minimal MCP Apps host page for tests/mcp-e2e/mcp-app-host.test.ts, bundled for the browser at test time: the
 * extension's own host-side AppBridge talks to the view in a sandboxed iframe over postMessage, and forwards the
 * view's tools/call to the test's real MCP client (exposed by Playwright as window.mcpCallTool).
 */
import { AppBridge, PostMessageTransport, type McpUiStyles } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/client';

interface HostWindow {
  mcpCallTool(params: CallToolRequest['params']): Promise<CallToolResult>;
  /** Renders the view's HTML in a sandboxed iframe and resolves once it has initialised. */
  showView(html: string, theme: Record<string, string>): Promise<void>;
  /** Delivers a tool call's arguments and result to the view, as a host does after the call. */
  deliver(args: Record<string, unknown>, result: CallToolResult): Promise<void>;
  calledTools: string[];
}
const host = window as unknown as HostWindow;
let bridge: AppBridge | undefined;
host.calledTools = [];

host.showView = async (html, theme) => {
  const frame = document.createElement('iframe');
  frame.sandbox.add('allow-scripts');
  frame.style.cssText = 'width:720px;height:600px;border:0';
  document.body.append(frame);
  bridge = new AppBridge(
    null,
    { name: 'test-host', version: '1.0.0' },
    { serverTools: {} },
    // A host sends every variable; the test sets a few and leaves the rest to the view's fallbacks.
    { hostContext: { theme: 'dark', styles: { variables: theme as McpUiStyles } } },
  );
  bridge.oncalltool = (params) => {
    host.calledTools.push(params.name);
    return host.mcpCallTool(params);
  };
  bridge.onsizechange = ({ height }) => {
    if (height) frame.style.height = `${height}px`;
  };
  const initialized = new Promise<void>((resolve) => (bridge!.oninitialized = () => resolve()));
  // Listening before the view loads: it sends ui/initialize as soon as its script runs.
  await bridge.connect(new PostMessageTransport(frame.contentWindow!, frame.contentWindow!));
  frame.srcdoc = html;
  await initialized;
};

host.deliver = async (args, result) => {
  await bridge!.sendToolInput({ arguments: args });
  await bridge!.sendToolResult(result);
};
