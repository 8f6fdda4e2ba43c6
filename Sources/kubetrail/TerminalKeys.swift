import Foundation
import Replay

#if canImport(Glibc)
import Glibc
#endif

/// The player's keyboard: /dev/tty in non-canonical mode without echo (so a key arrives as
/// soon as it is pressed, and Ctrl-C arrives as a key rather than a signal), read on a thread
/// of its own. Output processing stays on, so recorded `\n` still starts a line. `restore()`
/// gives the terminal back as it was.
final class TerminalKeys: Sendable {
    private let fd: Int32
    private let saved: termios

    private init(fd: Int32, saved: termios) {
        self.fd = fd
        self.saved = saved
    }

    /// The controlling terminal in key-at-a-time mode; nil when there is none (no keys then).
    static func open() -> TerminalKeys? {
        let fd = Glibc.open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else {
            close(fd)
            return nil
        }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else {
            close(fd)
            return nil
        }
        return TerminalKeys(fd: fd, saved: saved)
    }

    /// Reads keys until the terminal closes, calling `onKey` for each (on the reading thread).
    func start(_ onKey: @escaping @Sendable (PlayerKey) -> Void) {
        let fd = self.fd
        let thread = Thread {
            var decoder = PlayerKeyDecoder()
            var buffer = [UInt8](repeating: 0, count: 64)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
                for key in decoder.keys(buffer[0..<count]) { onKey(key) }
            }
        }
        thread.name = "kubetrail-replay-keys"
        thread.start()
    }

    /// The terminal as it was before `open()`.
    func restore() {
        var saved = self.saved
        _ = tcsetattr(fd, TCSANOW, &saved)
    }
}
