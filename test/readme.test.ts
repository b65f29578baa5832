// The README's first session is a test: its `curl` commands, taken from README.md itself, run in
// bash as written against `npm start` on a fresh data directory (mail going to the outbox), so
// the README and the service cannot drift apart unnoticed. Only the port differs: the server
// picks a free one instead of 8000.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processes, type ServerProcess } from './processes.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The commands of the README's first session (its sh blocks), continuation lines joined. */
function firstSession(): string[] {
  const from = README.indexOf('A first session with `curl`');
  const session = README.slice(from, README.indexOf('A staff account', from));
  const blocks = [...session.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (from < 0 || blocks.length === 0) throw new Error('README.md: no first session found');
  return blocks
    .join('')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/**
 * One bash in `cwd`, fed the commands one at a time like a person typing them: each one's output
 * comes back on its own. `before(command)` runs first (waiting for the mail a command reads).
 */
async function session(
  commands: string[],
  cwd: string,
  before: (command: string) => Promise<void>,
): Promise<string[]> {
  const shell = spawn('bash', ['--norc', '--noprofile', '-s'], { cwd });
  let out = '';
  let wake = () => {};
  const more = () => new Promise<void>((resolve) => void (wake = resolve));
  shell.stdout.on('data', (chunk: Buffer) => void ((out += chunk.toString()), wake()));
  shell.stderr.on('data', (chunk: Buffer) => void ((out += chunk.toString()), wake()));
  shell.on('close', () => wake());
  shell.stdin.write('set -eu\n');
  const steps: string[] = [];
  try {
    for (const [i, command] of commands.entries()) {
      await before(command);
      const from = out.length;
      shell.stdin.write(`${command}\necho; echo '@@done ${i}'\n`);
      while (!out.includes(`@@done ${i}`)) {
        if (shell.exitCode !== null)
          throw new Error(`bash stopped at "${command}": ${out.slice(from)}`);
        await more();
      }
      steps.push(out.slice(from, out.indexOf(`@@done ${i}`)).trim());
    }
  } finally {
    shell.stdin.end();
  }
  return steps;
}

let cwd: string;
const { startServer, stop, killAll } = processes(() => join(cwd, 'data'));
let server: ServerProcess;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'purchases-readme-'));
  await mkdir(join(cwd, 'data'));
  // The README's commands run in the project's folder: its price-list example is there.
  await symlink(fileURLToPath(new URL('../test', import.meta.url)), join(cwd, 'test'));
  server = await startServer();
}, 120_000);
afterAll(async () => {
  if (server) await stop(server.child);
  killAll();
  await rm(cwd, { recursive: true, force: true });
});

describe("the README's first session", { timeout: 60_000 }, () => {
  it('says on first start what it does and where things are', () => {
    const log = server.output();
    expect(log).toMatch(/Creating the embedded database in \S+data\/pglite .*\(first start/);
    expect(log).toMatch(/Embedded database in \S+: (up to date|applied \d+ of \d+ migrations)/);
    expect(log).toMatch(/mail goes to \S+data\/outbox as \.eml files/);
    expect(log).toContain(`Purchases API on ${server.base}/`);
    expect(log).toContain(`Docs at ${server.base}/api/docs/`);
    // A fresh service has nobody to send invoices to, and says so.
    expect(log).toMatch(/Invoices: .*goes to nobody/);
    // Nothing else to worry a newcomer: the only warning of a first start is that one.
    const warnings = log.split('\n').filter((l) => /"level":[4-6]0/.test(l));
    expect(warnings).toEqual([expect.stringMatching(/Invoices: /)]);
  });

  it('registers, reads the token from the outbox, activates, logs in and adds a contact', async () => {
    const commands = firstSession();
    expect(commands.length).toBeGreaterThanOrEqual(6);
    const steps = await session(
      commands.map((c) => c.replaceAll('localhost:8000', `localhost:${server.port}`)),
      cwd,
      // Mail is written by a job just after the request: read it once the log says it is there.
      async (command) => {
        const reader = /data\/outbox\/\*-(\S+?)\.eml/.exec(command);
        if (reader) await server.waitFor(new RegExp(`mail to ${reader[1]} written to`));
      },
    );
    const [registered, mail, token, activated, login, contact, ...shopAndOrder] = steps;
    expect(JSON.parse(registered!)).toMatchObject({ email: 'me@example.com', is_active: false });
    // `cat` shows the mail as written: Russian text, the token alone on its line.
    expect(mail).toContain('Вы зарегистрировались в сервисе закупок.');
    expect(mail).toMatch(/^[A-Za-z0-9_-]{43}\r?$/m);
    expect(token).toBe('');
    expect(activated).not.toMatch(/"status":4\d\d/);
    expect(login).toBe('');
    expect(JSON.parse(contact!)).toMatchObject({ city: 'Москва', phone: expect.any(String) });
    expect(server.output()).toMatch(/mail to me@example.com written to \S+data\/outbox\/\S+\.eml/);

    // A shop sends its price list; the buyer finds a TV by its category, orders it.
    const [shop, shopToken, shopActivated, shopLogin, imported, offer, cart, contactId, order] =
      shopAndOrder;
    expect(JSON.parse(shop!)).toMatchObject({ email: 'shop@example.com', type: 'shop' });
    expect([shopToken, shopLogin, offer, contactId]).toEqual(['', '', '', '']);
    expect(shopActivated).not.toMatch(/"status":4\d\d/);
    expect(JSON.parse(imported!)).toMatchObject({ shop: { name: 'Связной' }, created: 14 });
    expect(JSON.parse(cart!), cart).toMatchObject({ items: [expect.anything()] });
    expect(JSON.parse(cart!).items[0].product_info.product.category.name).toBe('Телевизоры');
    const placed = JSON.parse(order!) as { id: number; state: string };
    expect(placed.state).toBe('new');
    // Nobody receives its invoice yet (no ADMIN_EMAIL, no staff user): the log says so.
    await server.waitFor(new RegExp(`order ${placed.id}: its invoice goes to nobody`));
    expect(steps).toHaveLength(15);
  });
});
