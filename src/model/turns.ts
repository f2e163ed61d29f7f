/** Let the event loop run (timers, I/O, a progress bar) between tensors of a model command. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
