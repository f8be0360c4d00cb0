'use client';
import { useSyncExternalStore } from 'react';

const noSubscribe = () => () => {};

/**
 * false while rendering on the server and hydrating, true once the component runs in the browser.
 * Interactive widgets expose it as `data-ready`: an event that reaches server-rendered HTML before
 * React attaches its handlers is lost, so browser tests wait for the attribute before using them.
 */
export const useHydrated = (): boolean => useSyncExternalStore(noSubscribe, () => true, () => false);
