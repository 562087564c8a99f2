// One shared ticking clock for every countdown on screen.
import { nowSeconds } from './time';

class Clock {
  now = $state(nowSeconds());
  #timer: ReturnType<typeof setInterval> | undefined;
  #users = 0;

  start(): () => void {
    this.#users += 1;
    if (this.#timer === undefined) {
      this.now = nowSeconds();
      this.#timer = setInterval(() => (this.now = nowSeconds()), 1000);
    }
    return () => {
      this.#users -= 1;
      if (this.#users === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }
}

export const clock = new Clock();
