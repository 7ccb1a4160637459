// Types of numbers.js for the server's TypeScript (the browser loads the .js as is).
export function plainNumber(s: string): string;
export function hasComma(s: string): boolean;
export function groupDigits(s: string): string;
export function digitsBefore(s: string, caret: number): number;
export function caretAfterDigits(s: string, n: number): number;
export function numberWords(value: string | number): string | null;
export function rialWords(value: string | number): string;
