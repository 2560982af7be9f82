/**
 * The editors' user pool (lib/constructs/editors.ts) as the {@link EditorDirectory} port, on the
 * Cognito user pools API. Sign-in is by email, so the address is the username every admin call
 * takes. Imported only by the CLI (bin/cli/editors.ts): no function bundles the Cognito client.
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
  UserNotFoundException,
  UsernameExistsException,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { EDITOR_ROLES, type Editor, type EditorDirectory, type EditorRole } from '../core/editors';
import { clientConfig } from './clients';

let cognito: CognitoIdentityProviderClient | undefined;

/** The Cognito client, once per process, with the deadlines every client here has (adapters/clients.ts). */
export function cognitoClient(): CognitoIdentityProviderClient {
  cognito ??= new CognitoIdentityProviderClient(clientConfig());
  return cognito;
}

const isRole = (name: string | undefined): name is EditorRole => (EDITOR_ROLES as readonly string[]).includes(name ?? '');

export class CognitoEditorDirectory implements EditorDirectory {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async get(email: string): Promise<Editor | undefined> {
    try {
      const user = await this.client.send(new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: email }));
      const groups = await this.client.send(new AdminListGroupsForUserCommand({ UserPoolId: this.userPoolId, Username: email }));
      // Groups come lowest precedence first: the first role group is the one the tokens name first.
      const role = (groups.Groups ?? []).map((g) => g.GroupName).find(isRole);
      return {
        email: attribute(user.UserAttributes, 'email') ?? email,
        role,
        status: user.UserStatus ?? 'UNKNOWN',
        enabled: user.Enabled ?? true,
        createdAt: user.UserCreateDate,
      };
    } catch (e) {
      if (e instanceof UserNotFoundException) return undefined;
      throw e;
    }
  }

  async invite(email: string, options: { resend?: boolean } = {}): Promise<'invited' | 'exists'> {
    try {
      await this.client.send(
        new AdminCreateUserCommand({
          UserPoolId: this.userPoolId,
          Username: email,
          // Verified: the invitation reaches this address, and recovery goes to it.
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
          ...(options.resend ? { MessageAction: 'RESEND' as const } : {}),
        }),
      );
      return 'invited';
    } catch (e) {
      if (e instanceof UsernameExistsException) return 'exists';
      throw e;
    }
  }

  async setRole(email: string, role: EditorRole, current?: EditorRole): Promise<void> {
    // Added to the new group first: the editor is never left in no group at all.
    await this.client.send(new AdminAddUserToGroupCommand({ UserPoolId: this.userPoolId, Username: email, GroupName: role }));
    const groups = await this.client.send(new AdminListGroupsForUserCommand({ UserPoolId: this.userPoolId, Username: email }));
    const others = new Set((groups.Groups ?? []).map((g) => g.GroupName).filter((g): g is EditorRole => isRole(g) && g !== role));
    if (current && current !== role) others.add(current);
    for (const group of others) {
      await this.client.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: this.userPoolId, Username: email, GroupName: group }));
    }
  }

  async list(): Promise<Editor[]> {
    const roleOf = new Map<string, EditorRole>();
    // Lowest precedence last, so an account in two role groups shows its strongest role.
    for (const role of [...EDITOR_ROLES].reverse()) {
      let next: string | undefined;
      do {
        const page = await this.client.send(
          new ListUsersInGroupCommand({ UserPoolId: this.userPoolId, GroupName: role, NextToken: next, Limit: 60 }),
        );
        for (const u of page.Users ?? []) if (u.Username) roleOf.set(u.Username, role);
        next = page.NextToken;
      } while (next);
    }
    const editors: Editor[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListUsersCommand({ UserPoolId: this.userPoolId, PaginationToken: token, Limit: 60 }));
      for (const u of page.Users ?? []) editors.push(toEditor(u, roleOf));
      token = page.PaginationToken;
    } while (token);
    return editors;
  }

  async remove(email: string): Promise<boolean> {
    try {
      await this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: email }));
      return true;
    } catch (e) {
      if (e instanceof UserNotFoundException) return false;
      throw e;
    }
  }
}

function attribute(attributes: { Name?: string; Value?: string }[] | undefined, name: string): string | undefined {
  return attributes?.find((a) => a.Name === name)?.Value;
}

function toEditor(u: UserType, roleOf: Map<string, EditorRole>): Editor {
  return {
    email: attribute(u.Attributes, 'email') ?? u.Username ?? '?',
    role: u.Username ? roleOf.get(u.Username) : undefined,
    status: u.UserStatus ?? 'UNKNOWN',
    enabled: u.Enabled ?? true,
    createdAt: u.UserCreateDate,
  };
}

/** The port on the user pool named by a stack's EditorsUserPoolId output. */
export function editorDirectory(userPoolId: string, client: CognitoIdentityProviderClient = cognitoClient()): EditorDirectory {
  return new CognitoEditorDirectory(client, userPoolId);
}
