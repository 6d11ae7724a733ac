export default function double(x) { return x * 2; }
