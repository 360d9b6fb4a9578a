# Drives `deploy exec -it` on a real pty (for exec.test.ts): argv = the command to run.
# Sets the window, talks to the remote shell, resizes, sends Ctrl-C, exits; prints JSON.
import fcntl, json, os, pty, select, struct, sys, termios, time

def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
winsize(fd, 30, 100)
seen = b''

def until(marker, timeout=20.0):
    global seen
    end = time.time() + timeout
    while marker not in seen:
        left = end - time.time()
        if left <= 0:
            raise SystemExit(json.dumps({'error': 'timeout waiting for %r' % marker, 'seen': seen.decode('utf8', 'replace')}))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b''
            if not chunk:
                raise SystemExit(json.dumps({'error': 'eof waiting for %r' % marker, 'seen': seen.decode('utf8', 'replace')}))
            seen += chunk

def send(text):
    os.write(fd, text.encode())

steps = {}
until(b'R2')
send('stty size; echo S$((0+1))\n'); until(b'\nS1\r'); steps['size1'] = seen.decode('utf8', 'replace')
winsize(fd, 40, 120)
time.sleep(0.5)
send('stty size; echo S$((1+1))\n'); until(b'\nS2\r'); steps['size2'] = seen.decode('utf8', 'replace')
send('sleep 30; echo slept\n'); time.sleep(1.0)
t0 = time.time()
send('\x03'); send('echo A$((7*6))\n'); until(b'\nA42\r'); steps['int_s'] = time.time() - t0
send('exit 3\n')
_, status = os.waitpid(pid, 0)
attrs = termios.tcgetattr(fd)
lflag = attrs[3]
print(json.dumps({
    'code': os.waitstatus_to_exitcode(status),
    'seen': seen.decode('utf8', 'replace'),
    'steps': steps,
    'echo': bool(lflag & termios.ECHO),
    'icanon': bool(lflag & termios.ICANON),
}))
