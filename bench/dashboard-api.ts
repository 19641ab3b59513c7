/** The dashboard's /api as the dashboard calls it: the token from the Dashboard: line as a bearer token. */
export async function dashboardRequest(
  dashboardUrl: string,
  method: 'GET' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const page = new URL(dashboardUrl);
  const response = await fetch(new URL(path, page.origin), {
    method,
    headers: {
      Authorization: `Bearer ${page.searchParams.get('token') ?? ''}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok)
    throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}
