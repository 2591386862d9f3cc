import { describe, expect, it } from 'vitest';
import { KeyedMutex } from './keyed-mutex.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('KeyedMutex', () => {
  it('runs work for one key one at a time, in call order', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const job = (name: string) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
      return name;
    };
    const results = await Promise.all([m.run('a', job('1')), m.run('a', job('2')), m.run('a', job('3'))]);
    expect(results).toEqual(['1', '2', '3']);
    expect(log).toEqual(['1:start', '1:end', '2:start', '2:end', '3:start', '3:end']);
  });

  it('lets different keys overlap and survives a failing job', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const slow = m.run('a', async () => {
      log.push('a:start');
      await tick();
      log.push('a:end');
    });
    const other = m.run('b', async () => void log.push('b'));
    await Promise.all([slow, other]);
    expect(log.indexOf('b')).toBeLessThan(log.indexOf('a:end'));
    await expect(m.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(m.run('a', async () => 'after')).resolves.toBe('after');
  });
});
