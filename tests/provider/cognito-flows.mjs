// A hand-made stand-in for Cognito's user-pool API, for the two flows no emulator implements:
// CUSTOM_AUTH (challenges defined by the pool's Lambda triggers) and choice-based USER_AUTH
// (SELECT_CHALLENGE, then EMAIL_OTP, SMS_OTP or PASSWORD). moto knows neither; Cognito needs an
// AWS account. Every request and answer follows the wire shapes of AWS's API reference
// (InitiateAuth, RespondToAuthChallenge); tokens are RS256 JWTs with Cognito's claims, signed
// with a key this server publishes, so Tokendeck verifies them as it verifies a pool's.
//
// Usage: node cognito-flows.mjs   (prints {"url": "...", "issuer": "...", "poolId": "..."})
// Test controls: GET /__test/requests (each request's target and body, passwords and answers
// included: test data only), GET /__test/last-code (the last one-time code "sent"),
// POST /__test/answer-delay {"ms": N} (answers take that long, as over a slow network).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const POOL_ID = 'us-east-1_FlowsPool';
const CLIENT_ID = 'flows-client';
const USERS = {
  carol: { sub: '11111111-2222-4333-8444-000000000003', password: 'Carol-Passw0rd!', email: 'carol@example.com' },
};
// CUSTOM_AUTH: the questions a DefineAuthChallenge/CreateAuthChallenge pair would ask.
const QUESTIONS = [
  { question: 'What is 6 x 7?', answer: '42' },
  { question: 'Which colour is the sky?', answer: 'blue' },
];

const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
const kid = randomUUID();
const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
const sessions = new Map();
const requests = [];
let lastCode = null;
let answerDelayMs = 0;
let url;
let issuer;

const awsError = (res, type, message) => {
  res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify({ __type: type, message }));
};

async function tokens(username) {
  const user = USERS[username];
  const now = Math.floor(Date.now() / 1000);
  const common = { sub: user.sub, iss: issuer, auth_time: now, 'cognito:username': username };
  const sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).setIssuedAt(now).setExpirationTime(now + 3600).sign(privateKey);
  return {
    AuthenticationResult: {
      AccessToken: await sign({ ...common, token_use: 'access', client_id: CLIENT_ID, scope: 'aws.cognito.signin.user.admin', jti: randomUUID(), username }),
      IdToken: await sign({ ...common, token_use: 'id', aud: CLIENT_ID, email: user.email, jti: randomUUID() }),
      RefreshToken: `refresh-${randomUUID()}`,
      ExpiresIn: 3600,
      TokenType: 'Bearer',
    },
    ChallengeParameters: {},
  };
}

function challenge(name, username, parameters, extra = {}) {
  const session = randomUUID();
  sessions.set(session, { name, username, step: extra.step ?? 0 });
  return { ChallengeName: name, ChallengeParameters: { USERNAME: username, ...parameters }, Session: session, ...extra.response };
}

async function initiateAuth(body) {
  const { AuthFlow: flow, ClientId: clientId, AuthParameters: params = {} } = body;
  if (clientId !== CLIENT_ID) return ['ResourceNotFoundException', 'User pool client does not exist.'];
  const username = params.USERNAME;
  if (!USERS[username]) return ['UserNotFoundException', 'User does not exist.'];
  if (flow === 'CUSTOM_AUTH') {
    return challenge('CUSTOM_CHALLENGE', username, { question: QUESTIONS[0].question, attempt: '1' }, { step: 0 });
  }
  if (flow === 'USER_AUTH') {
    const preferred = params.PREFERRED_CHALLENGE;
    if (preferred === 'EMAIL_OTP') return sendCode('EMAIL_OTP', username);
    return challenge('SELECT_CHALLENGE', username, {}, { response: { AvailableChallenges: ['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP', 'SMS_OTP', 'WEB_AUTHN'] } });
  }
  return ['InvalidParameterException', `Auth flow not enabled for this client`];
}

function sendCode(kind, username) {
  lastCode = String(Math.floor(100000 + Math.random() * 900000));
  const destination = kind === 'EMAIL_OTP' ? 'c***@e***' : '+*******1234';
  return challenge(kind, username, { CODE_DELIVERY_DELIVERY_MEDIUM: kind === 'EMAIL_OTP' ? 'EMAIL' : 'SMS', CODE_DELIVERY_DESTINATION: destination });
}

async function respond(body) {
  const { ChallengeName: name, Session: sessionId, ChallengeResponses: answers = {} } = body;
  const session = sessions.get(sessionId);
  if (!session || session.name !== name) return ['NotAuthorizedException', 'Invalid session for the user.'];
  sessions.delete(sessionId);
  const { username } = session;
  if (answers.USERNAME !== username) return ['NotAuthorizedException', 'Incorrect username or password.'];
  switch (name) {
    case 'CUSTOM_CHALLENGE': {
      if (answers.ANSWER !== QUESTIONS[session.step].answer) return ['NotAuthorizedException', 'Incorrect username or password.'];
      const next = session.step + 1;
      if (next < QUESTIONS.length) {
        return challenge('CUSTOM_CHALLENGE', username, { question: QUESTIONS[next].question, attempt: String(next + 1) }, { step: next });
      }
      return tokens(username);
    }
    case 'SELECT_CHALLENGE':
      if (answers.ANSWER === 'EMAIL_OTP' || answers.ANSWER === 'SMS_OTP') return sendCode(answers.ANSWER, username);
      if (answers.ANSWER === 'PASSWORD') {
        return answers.PASSWORD === USERS[username].password ? tokens(username) : ['NotAuthorizedException', 'Incorrect username or password.'];
      }
      return ['InvalidParameterException', `Challenge ${answers.ANSWER} is not available for this sign-in.`];
    case 'EMAIL_OTP':
    case 'SMS_OTP':
      // A wrong code leaves the session open for another try, as Cognito's does (it counts
      // wrong codes toward the user's lockout instead).
      if (answers[`${name}_CODE`] !== lastCode) {
        sessions.set(sessionId, session);
        return ['CodeMismatchException', 'Invalid code received for user'];
      }
      return tokens(username);
    default:
      return ['InvalidParameterException', `Unknown challenge ${name}`];
  }
}

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

const server = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, url).pathname;
    if (path === `/${POOL_ID}/.well-known/jwks.json`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ keys: [jwk] }));
    }
    if (path === '/__test/requests') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(requests));
    }
    if (path === '/__test/last-code') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ code: lastCode }));
    }
    if (path === '/__test/answer-delay' && req.method === 'POST') {
      answerDelayMs = JSON.parse(await readBody(req)).ms;
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{}');
    }
    const target = req.headers['x-amz-target'] ?? '';
    const body = JSON.parse((await readBody(req)) || '{}');
    requests.push({ target, contentType: req.headers['content-type'], body });
    const operation = target.replace('AWSCognitoIdentityProviderService.', '');
    const result = operation === 'InitiateAuth' ? await initiateAuth(body)
      : operation === 'RespondToAuthChallenge' ? await new Promise((ok) => setTimeout(ok, answerDelayMs)).then(() => respond(body))
        : operation === 'RevokeToken' ? {}
          : ['InvalidAction', `not in this stand-in: ${operation}`];
    if (Array.isArray(result)) return awsError(res, `com.amazonaws.cognito.identity.idp.model#${result[0]}`.replace(/^.*#/, ''), result[1]);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    return res.end(JSON.stringify(result));
  } catch (e) {
    console.error(e);
    res.writeHead(500);
    return res.end();
  }
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  url = `http://127.0.0.1:${port}/`;
  issuer = `http://127.0.0.1:${port}/${POOL_ID}`;
  process.stdout.write(`${JSON.stringify({ url, issuer, poolId: POOL_ID, clientId: CLIENT_ID })}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
