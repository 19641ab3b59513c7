import { useEffect, useState, type ComponentType } from 'react';

/**
 * A view whose code is a chunk of its own, loaded when it is first shown (or earlier by `preload`). Not
 * React.lazy: a Suspense boundary that has shown its fallback reveals the content only after React's fallback
 * throttle (300 ms in React 19), which would be paid on every first visit to a view. Until the chunk is in, the
 * view shows nothing; a failed load is tried again at the next visit.
 */
export function lazyView<P extends object>(
  load: () => Promise<ComponentType<P>>,
): ComponentType<P> & { preload(): void } {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<ComponentType<P>> | undefined;
  const start = () =>
    (loading ??= load().then(
      (component) => (loaded = component),
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    ));

  function LazyView(props: P) {
    const [Component, setComponent] = useState(() => loaded);
    useEffect(() => {
      if (Component) return;
      let current = true;
      start().then(
        (component) => current && setComponent(() => component),
        () => undefined,
      );
      return () => {
        current = false;
      };
    }, [Component]);
    return Component ? <Component {...props} /> : null;
  }
  return Object.assign(LazyView, { preload: () => void start().catch(() => undefined) });
}
