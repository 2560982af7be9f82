import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EditorKind } from '../../core/content/form';
import { draftKey, type Draft, type DraftStore } from '../../core/drafts';

/** Drafts in the Content table (core/drafts.ts), one item each, keyed `draft#<kind>#<key>`. */
export class DynamoDraftStore implements DraftStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getDraft(kind: EditorKind, key: string): Promise<Draft | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: draftKey(kind, key) }, ConsistentRead: true }));
    return out.Item ? (out.Item.draft as Draft) : undefined;
  }

  async putDraft(draft: Draft): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { pk: draftKey(draft.kind, draft.key), draft } }));
  }

  async deleteDraft(kind: EditorKind, key: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { pk: draftKey(kind, key) } }));
  }
}
