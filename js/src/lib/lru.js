// A small least-recently-used map that tells its owner about every value it lets go.

export class LruCache {
  /** @param {number} max  @param {(value, key) => void} [onEvict] */
  constructor(max, onEvict = () => {}) {
    if (!(max >= 1)) throw new RangeError("LruCache needs a max of at least 1");
    this.max = max;
    this.onEvict = onEvict;
    this.map = new Map();
  }

  get size() {
    return this.map.size;
  }

  has(key) {
    return this.map.has(key);
  }

  /** Read without changing recency. */
  peek(key) {
    return this.map.get(key);
  }

  /** Read and mark as most recently used. */
  get(key) {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key);
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key, value) {
    if (this.map.has(key)) {
      const old = this.map.get(key);
      this.map.delete(key);
      if (old !== value) this.onEvict(old, key);
    }
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const [oldestKey, oldest] = this.map.entries().next().value;
      this.map.delete(oldestKey);
      this.onEvict(oldest, oldestKey);
    }
    return this;
  }

  delete(key) {
    if (!this.map.has(key)) return false;
    const value = this.map.get(key);
    this.map.delete(key);
    this.onEvict(value, key);
    return true;
  }

  clear() {
    const all = [...this.map.entries()];
    this.map.clear();
    for (const [k, v] of all) this.onEvict(v, k);
  }

  values() {
    return [...this.map.values()];
  }

  keys() {
    return [...this.map.keys()];
  }
}
