/**
 * A counting semaphore: at most `max` tasks run at once; further callers queue, and give up with
 * `overflow()` after `timeoutMs` in the queue.
 */
export function createLimiter(max: number, timeoutMs: number, overflow: () => Error) {
  let active = 0;
  const queue: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(go), 1);
          reject(overflow());
        }, timeoutMs);
        const go = () => {
          clearTimeout(timer);
          resolve();
        };
        queue.push(go);
      });
    } else {
      active++;
    }
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}
