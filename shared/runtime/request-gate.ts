/**
 * Requests in flight, so that shutdown can let them finish before the stores close: on SIGTERM the
 * gate stops admitting requests (they get 503), waits for those already admitted — whose writes
 * behind the response are tracked by then — and only then do the close hooks flush and the stores
 * close. Without it, a request answered during shutdown could lose its history row.
 */
export class RequestGate {
  #inFlight = 0;
  #draining = false;
  #idle: (() => void)[] = [];

  get inFlight(): number {
    return this.#inFlight;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Admits a request, or returns false once draining; an admitted request must call `leave`. */
  enter(): boolean {
    if (this.#draining) return false;
    this.#inFlight++;
    return true;
  }

  leave(): void {
    this.#inFlight--;
    if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /**
   * Admits nothing more; resolves true once every admitted request has left, or false if some are
   * still in flight after `timeoutMs` (Cloud Run allows 10 s between SIGTERM and SIGKILL).
   */
  drain(timeoutMs: number): Promise<boolean> {
    this.#draining = true;
    if (this.#inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
