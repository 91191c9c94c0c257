// "Only the latest answer counts", the one way the front end does it: every request takes a
// ticket; an answer whose ticket is no longer the latest is dropped.

/**
 * createLatest() -> { next(), isLatest(ticket), drop() }
 *   next(): the ticket of a new request (it makes every older ticket stale);
 *   isLatest(ticket): is this still the newest request, not dropped since?
 *   drop(): make every ticket stale (the answers on their way no longer count).
 */
export function createLatest() {
  let ticket = 0;
  return {
    next: () => {
      ticket += 1;
      return ticket;
    },
    isLatest: (t) => t === ticket,
    drop: () => {
      ticket += 1;
    },
  };
}

export const REFRESH_DELAY_MS = 300;

/**
 * createRefresher({ fetch, onResult, onError, delayMs, timers }): data asked again as things
 * change, at most one request in flight, only the newest answer shown.
 *   fetch() -> Promise<data>;  onResult(data) / onError(err): for the newest request only.
 *   now(): ask at once (or right after the one in flight; its answer is then dropped as stale);
 *   soon(): ask after `delayMs` of quiet; cancel(): drop what is pending and the answer in flight;
 *   dispose(): cancel for good;  busy(): something is pending or in flight.
 * @param {{ fetch: () => any, onResult: (data: any) => void, onError?: (err: any) => void,
 *   delayMs?: number, timers?: { setTimeout: Function, clearTimeout: Function } }} options
 */
export function createRefresher({ fetch, onResult, onError = () => {}, delayMs = REFRESH_DELAY_MS, timers = globalThis }) {
  const latest = createLatest();
  let timer = null;
  let inFlight = false;
  let again = false;
  let disposed = false;

  function clearTimer() {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  }

  function settle(ticket, deliver) {
    inFlight = false;
    if (disposed) return;
    if (again) {
      now();
      return;
    }
    if (latest.isLatest(ticket)) deliver();
  }

  function now() {
    clearTimer();
    if (disposed) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    again = false;
    const ticket = latest.next();
    let answer;
    try {
      answer = Promise.resolve(fetch());
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then((data) => settle(ticket, () => onResult(data)), (err) => settle(ticket, () => onError(err)));
  }

  function soon() {
    clearTimer();
    if (disposed) return;
    timer = timers.setTimeout(() => {
      timer = null;
      now();
    }, delayMs);
  }

  function cancel() {
    clearTimer();
    again = false;
    latest.drop();
  }

  return {
    now,
    soon,
    cancel,
    dispose() {
      cancel();
      disposed = true;
    },
    busy: () => inFlight || again || timer !== null,
  };
}
