import http from 'k6/http';
import { check } from 'k6';
export default function () {
  check(http.get('https://x'), {'ok': (r) => r.status === 200});
}
