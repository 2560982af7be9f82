/**
 * Jest globalSetup for the integration project: starts DynamoDB Local (in memory) and the SES
 * emulator on free ports, so two runs on one machine never collide, and points the AWS SDK
 * at them through its standard variables. Test workers inherit this environment.
 */
import { startDynamoDbLocal, LOCAL_AWS } from '../../lib/local/dynamodb';
import { freePort } from '../../lib/local/ports';
import { startSesEmulator } from '../../lib/local/ses';

/** What teardown needs, kept on globalThis (the only thing shared with globalTeardown). */
export interface EmulatorHandles {
  stops: Array<() => Promise<void>>;
}

declare global {
  var __briefingEmulators: EmulatorHandles | undefined;
}

export default async function globalSetup(): Promise<void> {
  // The SDK warns once per process on an old Node (jest run by hand with a shell's Node 20, not
  // through npm's Node 24); repeated in every test file's output, that notice would hide the
  // failures worth reading.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Info logs of every batch would bury the test report; warnings and errors still show.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const handles: EmulatorHandles = { stops: [] };
  globalThis.__briefingEmulators = handles;
  try {
    const dynamoPort = await freePort();
    let sesPort = await freePort();
    while (sesPort === dynamoPort) sesPort = await freePort();
    // Wait for both even if one fails, so the one that did start is stopped below.
    const [dynamoResult, sesResult] = await Promise.allSettled([
      // Ready means it answered ListTables; a JVM starting on a loaded machine can take far
      // longer than the 30 s default, and a generous limit costs nothing when it is quick.
      startDynamoDbLocal({ port: dynamoPort, readyTimeoutMs: 120_000 }),
      startSesEmulator({ port: sesPort }),
    ]);
    if (dynamoResult.status === 'fulfilled') handles.stops.push(dynamoResult.value.stop);
    if (sesResult.status === 'fulfilled') handles.stops.push(sesResult.value.stop);
    if (dynamoResult.status === 'rejected') throw dynamoResult.reason;
    if (sesResult.status === 'rejected') throw sesResult.reason;
    const dynamo = dynamoResult.value;
    const ses = sesResult.value;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SES: ses.endpoint,
      AWS_REGION: LOCAL_AWS.region,
      AWS_DEFAULT_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    });
    // A session token or profile from the shell would otherwise be mixed into the signature.
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
  } catch (error) {
    // Jest does not run globalTeardown when globalSetup fails; do not leave Java running.
    await Promise.allSettled(handles.stops.map((stop) => stop()));
    throw error;
  }
}
