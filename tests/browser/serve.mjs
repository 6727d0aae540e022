// Starts `borderscape serve` for the browser tests.
import { spawn } from 'node:child_process';

/** Runs `BINARY serve ARGS… --port 0` and resolves with the process and its base URL. */
export function startServer(binary, args) {
  const server = spawn(binary, ['serve', ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/http:\/\/[0-9.]+:\d+\//);
      if (match) resolve({ server, url: match[0] });
    });
    server.on('exit', (code) => reject(new Error(`borderscape serve exited with ${code}: ${output}`)));
    setTimeout(() => reject(new Error('borderscape serve did not start within 60 s')), 60_000);
  });
}
