/**
 * Prints the scrypt hash of a secret for the secrets file:
 *
 *   printf '%s' 'the-device-secret' | npx tsx broker/src/hash-secret.ts
 *   npx tsx broker/src/hash-secret.ts --generate     # makes a random secret and prints both
 *
 * The secret is read from stdin (never from the command line, where `ps` and shell history would
 * see it); one trailing newline is ignored.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_SCRYPT_COST, hashSecret } from '../../common/secret-hash.ts';

const FlagsSchema = z.object({
  generate: z.boolean().default(false).describe('generate a random 32-character secret instead of reading stdin'),
  cost: z.coerce
    .number()
    .int()
    .refine((n) => n >= 1024 && n <= 2 ** 18 && (n & (n - 1)) === 0, 'must be a power of two from 1024 to 262144')
    .default(DEFAULT_SCRYPT_COST.N)
    .describe('scrypt N (CPU/memory cost)'),
});

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Type the secret, then Enter and Ctrl-D:\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { generate: { type: 'boolean' }, cost: { type: 'string' } } });
  const flags = FlagsSchema.safeParse(values);
  if (!flags.success) {
    console.error(`hash-secret: ${flags.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
    process.exit(2);
  }
  const secret = flags.data.generate ? randomBytes(24).toString('base64url') : await readStdin();
  if (secret.length === 0) {
    console.error('hash-secret: the secret is empty; pipe it on stdin or use --generate');
    process.exit(2);
  }
  const hash = await hashSecret(secret, { ...DEFAULT_SCRYPT_COST, N: flags.data.cost });
  // --generate: the device needs the secret, the secrets file needs the hash.
  if (flags.data.generate) process.stdout.write(`secret: ${secret}\nhash:   ${hash}\n`);
  else process.stdout.write(`${hash}\n`);
}

await main();
