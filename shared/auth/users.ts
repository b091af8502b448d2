/** Users who may obtain tokens: from config (VIGIL_USERS) or the documents store, with scrypt hashes. */
import { COLLECTIONS } from '../ports/collections.js';
import type { DocumentStore } from '../ports/documents.js';
import type { ConfiguredUser } from '../runtime/config.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';

export interface UserRecord {
  passwordHash: string;
  scopes: string[];
  disabled: boolean;
  createdAt: Date;
}

export const USERS_COLLECTION = COLLECTIONS.users;
const USERNAME = /^[A-Za-z0-9_.@-]{1,64}$/;

export class UserDirectory {
  constructor(
    private readonly documents: DocumentStore,
    private readonly configured: readonly ConfiguredUser[],
    private readonly clock: () => Date,
  ) {}

  /** Returns the user's scopes when the password matches; the same work is done for unknown users. */
  async authenticate(
    username: string,
    password: string,
  ): Promise<{ username: string; scopes: string[] } | null> {
    const user = USERNAME.test(username) ? await this.find(username) : null;
    const ok = await verifyPassword(password, user?.passwordHash ?? (await decoyHash()));
    return ok && user && !user.disabled ? { username, scopes: user.scopes } : null;
  }

  async create(username: string, password: string, scopes: string[]): Promise<boolean> {
    if (!USERNAME.test(username)) throw new Error('invalid username');
    return this.documents.collection<UserRecord>(USERS_COLLECTION).create(username, {
      passwordHash: await hashPassword(password),
      scopes,
      disabled: false,
      createdAt: this.clock(),
    });
  }

  private async find(
    username: string,
  ): Promise<Pick<UserRecord, 'passwordHash' | 'scopes' | 'disabled'> | null> {
    const fromConfig = this.configured.find((u) => u.username === username);
    if (fromConfig) return { ...fromConfig, disabled: false };
    return this.documents.collection<UserRecord>(USERS_COLLECTION).get(username);
  }
}
