/**
 * `npm run staff-password -- <user id>`: hashes a staff console password (scrypt, see
 * `common/secret-hash.ts`) and prints the line to put under that user in the staff file. At a
 * terminal it asks twice without echoing; otherwise it reads the first line of stdin
 * (`printf '%s\n' "$PW" | npm run -s staff-password -- ward-ops`), so a password never has to
 * appear in the process list or the shell history.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { hashSecret } from '../../../common/secret-hash.ts';
import { StaffUserIdSchema } from '../../../common/staff-users.ts';

/** Long enough that an offline guess against a leaked staff file is impractical even for a chosen phrase. */
const MIN_LENGTH = 12;
const PasswordSchema = z.string().min(MIN_LENGTH, `use at least ${MIN_LENGTH} characters (a phrase of several words is fine)`).max(256, 'at most 256 characters');

async function promptHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write(question);
  // readline echoes each keystroke through this method; silencing it hides the password.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

async function readFirstLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

const args = process.argv.slice(2).filter((a) => a !== '--');
const help = args.includes('--help') || args.includes('-h');
const user = StaffUserIdSchema.safeParse(args[0]);
if (help || !user.success) {
  process.stderr.write('usage: npm run staff-password -- <user id>   (asks for the password, or reads it from the first line of stdin)\n');
  process.exit(help ? 0 : 2);
}

let password: string;
if (process.stdin.isTTY) {
  password = await promptHidden(`new console password for ${user.data}: `);
  if ((await promptHidden('again: ')) !== password) {
    process.stderr.write('the two entries differ; nothing was changed\n');
    process.exit(1);
  }
} else {
  password = await readFirstLine();
}
const checked = PasswordSchema.safeParse(password);
if (!checked.success) {
  process.stderr.write(`password refused: ${checked.error.issues[0]?.message ?? 'invalid'}\n`);
  process.exit(1);
}
const hash = await hashSecret(checked.data);
process.stdout.write(`add to the staff file under users[id=${user.data}]:\n  password: "${hash}"\n`);
