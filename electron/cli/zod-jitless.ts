import { z } from 'zod';

// The CLI's first import (electron/cli/main.ts), so that it runs before any schema is built: zod
// decides when it builds an object schema whether to compile a parser for it (`new Function`) on
// its first parse. A command parses each schema once or twice (the settings), where compiling
// costs more than it saves (~10 ms of CPU on every command that opens the core); the desktop app,
// which parses again and again, keeps the compiled parsers.
z.config({ jitless: true });
