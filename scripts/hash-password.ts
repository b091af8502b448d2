/** Prints a scrypt hash for VIGIL_USERS. Usage: npm run hash-password -- '<password>' (or on stdin). */
import { hashPassword } from '../shared/auth/passwords.js';

const fromArg = process.argv[2];
const password = fromArg ?? (await new Response(process.stdin as unknown as ReadableStream).text()).trim();
if (!password) {
  console.error('usage: npm run hash-password -- <password>');
  process.exit(2);
}
console.log(await hashPassword(password));
