/**
 * A private network of "hosts" on this machine (root only): one Linux network
 * namespace per participant, each joined to a bridge by a veth link, all on
 * one /24. The bridge lives in a namespace of its own, so nothing touches the
 * machine's own network. A link can be limited by the kernel's token bucket
 * filter (tc tbf) in both directions: on the participant's end (what it sends)
 * and on the bridge's end (what it receives).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 10_000 })).stdout;
}

async function tc(ns: string, ...args: string[]): Promise<string> {
  return (await run('ip', ['netns', 'exec', ns, 'tc', ...args], { timeout: 10_000 })).stdout;
}

/** Why this machine cannot build such a network, or undefined when it can (it makes and removes a namespace to find out). */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'making network namespaces needs root (run the tests as root to include it)';
  const probe = `fedrisk-probe-${randomBytes(4).toString('hex')}`;
  try {
    await ip('netns', 'add', probe);
  } catch (err) {
    return `"ip netns add" failed: ${(err as Error).message.split('\n')[0]}`;
  }
  try {
    await ip('-n', probe, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', probe, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1');
    await ip('-n', probe, 'link', 'set', 'eth0', 'up');
    await tc(probe, 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', '10mbit', 'burst', '32kb', 'latency', '100ms');
  } catch (err) {
    return `bridge, veth or tc tbf unavailable: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    await ip('netns', 'del', probe).catch(() => {});
  }
  return undefined;
}

export interface HostLink {
  /** kernel rate limit on this participant's link, each direction, in megabits per second */
  rateMbit?: number;
}

export interface TbfStats {
  sentBytes: number;
}

export interface HostsNetwork {
  /** participant -> its namespace */
  readonly namespaces: Readonly<Record<string, string>>;
  /** participant -> its address */
  readonly addresses: Readonly<Record<string, string>>;
  /** what the kernel's tbf says on a limited participant's link: bytes it let through, up (sent by the participant) and down */
  tbfStats(participant: string): Promise<Record<'up' | 'down', TbfStats>>;
  /** removes every namespace (and with them the links); idempotent */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Makes the network. `subnet` is the first three octets (10.77.0): the
 * participants get .1, .2, ... in the order given. Namespaces are named
 * fedrisk-<pid>-<random>-<index>, so parallel test files never collide.
 */
export async function hostsNetwork(participants: readonly string[], links: Readonly<Record<string, HostLink>>, subnet = '10.77.0'): Promise<HostsNetwork> {
  const tag = `fedrisk-${process.pid}-${randomBytes(3).toString('hex')}`;
  const made: string[] = [];
  const sw = `${tag}-sw`;
  const namespaces: Record<string, string> = {};
  const addresses: Record<string, string> = {};
  const ends = new Map<string, Record<'up' | 'down', { ns: string; dev: string }>>();
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= Promise.all(made.map((ns) => ip('netns', 'del', ns).catch(() => {}))).then(() => {});
    return closed;
  };
  const add = async (ns: string) => {
    await ip('netns', 'add', ns);
    made.push(ns);
    await ip('-n', ns, 'link', 'set', 'lo', 'up');
  };
  try {
    await add(sw);
    await ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', sw, 'link', 'set', 'br0', 'up');
    for (const [i, who] of participants.entries()) {
      const ns = `${tag}-${i}`;
      await add(ns);
      const port = `port${i}`;
      await ip('-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ip('-n', sw, 'link', 'set', port, 'master', 'br0');
      await ip('-n', sw, 'link', 'set', port, 'up');
      const address = `${subnet}.${i + 1}`;
      await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      namespaces[who] = ns;
      addresses[who] = address;
      const rate = links[who]?.rateMbit;
      if (rate !== undefined) {
        // tbf shapes what leaves an interface: the participant's end is its upload, the bridge's end its download
        const both = { up: { ns, dev: 'eth0' }, down: { ns: sw, dev: port } };
        // burst: a few full-size packets; latency: how long a packet may queue before the kernel drops it (TCP then resends)
        for (const end of Object.values(both))
          await tc(end.ns, 'qdisc', 'add', 'dev', end.dev, 'root', 'tbf', 'rate', `${rate}mbit`, 'burst', '16kb', 'latency', '200ms');
        ends.set(who, both);
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    namespaces,
    addresses,
    tbfStats: async (who) => {
      const both = ends.get(who);
      if (!both) throw new Error(`${who}'s link has no rate limit`);
      const stats = async (end: { ns: string; dev: string }): Promise<TbfStats> => {
        const out = await tc(end.ns, '-s', 'qdisc', 'show', 'dev', end.dev);
        return { sentBytes: Number(/Sent (\d+) bytes/.exec(out)?.[1] ?? 0) };
      };
      return { up: await stats(both.up), down: await stats(both.down) };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
