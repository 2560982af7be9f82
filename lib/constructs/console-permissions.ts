/**
 * The console's row of the permissions table (function-permissions.ts FUNCTION_PERMISSIONS.console),
 * kept in a file of its own for its length: the same rules, checked by the same role test.
 */
import { ADDRESS_KEY, FROM_SENDER, RUNTIME, sendMail, TOKEN_KEYS } from './grant-parts';
import type { Permissions } from './function-permissions';

/**
 * lambdas/console/handler.ts: the editor's console under /admin (lambdas/console/desk.ts lists
 * what its pages read and change). Sign-in needs no IAM (the user pool's discovery and keys are
 * public HTTPS). No Scan anywhere: the Subscribers pages count and search readers with Queries
 * on the readers index; erase deletes one reader's items by key, as `subscribers erase` does.
 * The preview signs its links with the token keys; a test send goes through SES From the
 * sender's address only, as the sender's and the sign-ups' do. Sending an issue counts its
 * audience on the digestAudience index, makes its one-time schedule and invokes the planner.
 */
export const CONSOLE_PERMISSIONS: Permissions = {
  calls: {
    'secret/console-session': {
      'secretsmanager:GetSecretValue':
        'consoleDepsFromEnv: Powertools SecretsProvider.get (cached an hour), the key the session cookies are sealed with',
    },
    'table/content': {
      'dynamodb:GetItem':
        "DynamoContentStore.getIssue (Home, an issue's page, its preview, a save), getSettings (a save's topics; the topics' labels in a previewed or test message), getArchiveSnapshot (a save of a sent issue's article); DynamoDraftStore.getDraft",
      'dynamodb:BatchGetItem':
        "DynamoContentStore.getArticles: an issue's articles and their titles in its figures, a previewed alert's article, a save's checks",
      'dynamodb:UpdateItem':
        "DynamoContentStore.put: an editor's save, conditional on the version the editor started from; DynamoIssueEdits.changeIssue: an issue's sendAt or subject test (conditional: same publish, not planned)",
      'dynamodb:PutItem': 'DynamoDraftStore.putDraft: the draft item (`draft#…`)',
      'dynamodb:DeleteItem': 'DynamoDraftStore.deleteDraft: the draft item, once published or discarded',
    },
    'table/subscribers/index/digestAudience': {
      'dynamodb:Query': 'DynamoAudienceCount.digestAudienceCount: Select COUNT per shard (no reader is read; no Scan)',
    },
    'table/subscribers/index/alertAudience': {
      'dynamodb:Query': "DynamoAudienceCount.alertAudienceCount: a breaking article's confirmation (readers' topics only; no Scan)",
    },
    'schedules/issues': {
      'scheduler:CreateSchedule': "EventBridgeIssueScheduler.schedule (an issue's page: Schedule)",
      'scheduler:UpdateSchedule': 'EventBridgeIssueScheduler.schedule: a send time moved',
      'scheduler:DeleteSchedule': 'EventBridgeIssueScheduler.cancel: Unschedule',
    },
    'role/issue-schedule': {
      'iam:PassRole': 'CreateSchedule and UpdateSchedule name the role the schedule invokes the planner with',
    },
    'function/digest-planner': {
      'lambda:InvokeFunction': 'LambdaPlanTrigger.planNow: Send now invokes the planner asynchronously (Event) with the issue id',
    },
    'table/content/index/byKind': {
      'dynamodb:Query':
        "DynamoContentCatalog.page (the Issues page, Home), DynamoContentStore.latestIssue (what the next digest run sends), contentIds (an unknown id's did-you-mean), articlesByTopic (Settings: a topic still used is not dropped)",
    },
    'table/deliveries': {
      'dynamodb:GetItem':
        "DynamoCampaignCounters.get (states), DynamoClickCounts.list, DynamoSubjectTests.get (figures), DynamoSendingState.get (Home), DynamoSessionStore.get (every request: the session and its tokens), DynamoDoctorVerdicts.latest (Home: the doctor's last verdict)",
      'dynamodb:Query':
        "DynamoLedger.list (an issue's figures), DynamoAuditLog.recent (the audit log), DynamoSendingState.buckets (Resume with a fresh count)",
      'dynamodb:PutItem':
        'DynamoAuditLog.record: one new entry; DynamoSessionStore.create: a signed-in session; DynamoConfirmations.use: a send confirmation used (each conditional on its key being new)',
      'dynamodb:UpdateItem':
        "DynamoSendingState.resume: an owner's Resume; DynamoSendingState.scrub: an erased address masked in the pause; DynamoSessionStore.renew, end (renewed tokens, sign-out); DynamoTestSendAllowance.take (an editor's test messages this hour)",
      'dynamodb:BatchWriteItem': "DynamoDeliveryEvents.deleteForSubscriber: an erased reader's ledger entries (Subscribers: erase)",
    },
    'table/deliveries/index/bySubscriber': {
      'dynamodb:Query': "DynamoDeliveryEvents.listForSubscriber, deleteForSubscriber: a reader's ledger entries (export, erase)",
    },
    'table/subscribers': {
      'dynamodb:GetItem':
        "DynamoSubscriberStore.getByEmail (search, a reader's record, import), DynamoSubscriptionStore.isErased (export, import)",
      'dynamodb:PutItem': 'DynamoSubscriptionStore.create (import: a new reader, conditional), markErased (erase), markSaidNo (import)',
      'dynamodb:UpdateItem': 'DynamoSubscriptionStore.change: revoke links (the link version), import (a stored reader merged into)',
      'dynamodb:DeleteItem': 'DynamoSubscriptionStore.remove: erase (the reader and its merged-id forwards, by key)',
    },
    'table/subscribers/index/bySubscriberId': {
      'dynamodb:Query': "DynamoSubscriberStore.getById: a reader's record page is by id (no address in URLs)",
    },
    'table/subscribers/index/byMailbox': {
      'dynamodb:Query': "DynamoSubscriptionStore.inboxMembers: the inbox's other stored forms (search, export, erase, import)",
    },
    'table/subscribers/index/readers': {
      'dynamodb:Query':
        "DynamoReaderIndex.count, search, readersByTopic: counts by status, source and topic, the address-prefix search, a dropped topic's readers (no Scan)",
    },
    ...ADDRESS_KEY,
    ...sendMail("SesMailer.sendRaw: a test send of an issue's or an alert's message (pages/preview.ts, usecases/test-send.ts sendTest)"),
    ...TOKEN_KEYS,
  },
  service: RUNTIME,
  conditions: { ...FROM_SENDER, 'role/issue-schedule': ['iam:PassedToService'] },
};
