// A real SMTP server for the email step's tests (npm's smtp-server, the server
// half of Nodemailer). It listens on a free loopback port, offers STARTTLS with
// the given certificate, asks for AUTH PLAIN/LOGIN when a user is given (and
// only after STARTTLS, as real providers do), and appends each message it
// accepts, parsed, as one JSON line to the messages file.
//
//   node smtp_server.js --messages FILE [--cert PEM --key PEM] [--user U --password P]
//                       [--reject-recipient ADDRESS]
// Prints {"port":N} on its first line once it listens; stops on SIGTERM.
'use strict';
const fs = require('fs');
const { SMTPServer } = require('smtp-server');
const { simpleParser } = require('mailparser');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.messages) { console.error('smtp_server.js: --messages FILE is required'); process.exit(2); }

const tls = args.cert ? { key: fs.readFileSync(args.key), cert: fs.readFileSync(args.cert) } : {};
const server = new SMTPServer({
  ...tls,
  disabledCommands: args.cert ? [] : ['STARTTLS'],
  authOptional: !args.user,
  authMethods: ['PLAIN', 'LOGIN'],
  logger: false,
  onAuth(auth, session, callback) {
    if (auth.username === args.user && auth.password === args.password) return callback(null, { user: auth.username });
    return callback(new Error('Invalid username or password'));
  },
  onRcptTo(address, session, callback) {
    if (args['reject-recipient'] && address.address === args['reject-recipient']) {
      const error = new Error('Mailbox unavailable');
      error.responseCode = 550;
      return callback(error);
    }
    return callback();
  },
  onData(stream, session, callback) {
    simpleParser(stream).then((mail) => {
      const line = {
        envelope_from: session.envelope.mailFrom && session.envelope.mailFrom.address,
        envelope_to: session.envelope.rcptTo.map((r) => r.address),
        user: session.user || null,
        secure: session.secure,
        from: mail.from ? mail.from.text : null,
        to: mail.to ? mail.to.text : null,
        cc: mail.cc ? mail.cc.text : null,
        subject: mail.subject || '',
        text: mail.text || '',
        html: mail.html || null,
        content_type: mail.headers.get('content-type') ? mail.headers.get('content-type').value : null,
        message_id: mail.messageId || null,
      };
      fs.appendFileSync(args.messages, JSON.stringify(line) + '\n');
      callback();
    }, callback);
  },
});
server.on('error', (error) => console.error('smtp_server.js:', error.message));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
