/** The doctor's latest verdict in the Deliveries table (core/doctor-verdict.ts): written by the CLI, read by the console's Home. */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DOCTOR_VERDICT_KEY, type DoctorCheck, type DoctorVerdict, type DoctorVerdicts } from '../../core/doctor-verdict';

export class DynamoDoctorVerdicts implements DoctorVerdicts {
  constructor(
    private readonly db: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly table: string,
  ) {}

  async record(v: DoctorVerdict): Promise<void> {
    const checks = v.checks.map((c) => ({ name: c.name, ok: c.ok, severity: c.severity, detail: c.detail, ...(c.fix && { fix: c.fix }) }));
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { ...DOCTOR_VERDICT_KEY, at: v.at, by: v.by, target: v.target, checks } }),
    );
  }

  async latest(): Promise<DoctorVerdict | undefined> {
    const item = (await this.db.send(new GetCommand({ TableName: this.table, Key: DOCTOR_VERDICT_KEY }))).Item;
    if (!item || typeof item.at !== 'string' || !Array.isArray(item.checks)) return undefined;
    return { at: item.at, by: String(item.by ?? ''), target: String(item.target ?? ''), checks: item.checks as DoctorCheck[] };
  }
}
