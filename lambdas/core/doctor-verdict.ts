/**
 * The doctor's last verdict, as `npm run cli -- doctor` leaves it for the console's Home: when it
 * ran, who ran it, against what, and each check (lib/ops/doctor.ts). The console does not run the
 * doctor itself (it asks SES, SNS, DNS and the public URL, with the operator's credentials); it
 * shows the last run and how old it is. Pure types and the item's key.
 */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  severity: 'blocking' | 'warning';
  detail: string;
  fix?: string;
}

export interface DoctorVerdict {
  /** When it ran (ISO). */
  at: string;
  /** Who ran it (`cli:<user>`). */
  by: string;
  /** What it checked: `stack <name> in <region>`, or `the local stack`. */
  target: string;
  checks: DoctorCheck[];
}

export interface DoctorVerdicts {
  latest(): Promise<DoctorVerdict | undefined>;
  record(verdict: DoctorVerdict): Promise<void>;
}

/** The one item in the Deliveries table's bookkeeping partitions that holds the latest verdict. */
export const DOCTOR_VERDICT_KEY = { campaignId: '#doctor', subscriberId: 'latest' } as const;

/** Days after which Home says the verdict is old (a deploy or a DNS change since may have changed it). */
export const DOCTOR_STALE_DAYS = 7;
