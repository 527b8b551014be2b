"""Drive a running hall through a simulated morning over the device API.

    flask --app wsgi device-token create --kind kiosk            # -> KIOSK
    flask --app wsgi device-token create --kind counter --counter 1   # -> PAD1, and so on
    .venv/bin/python -m bench.simulate_morning --url http://127.0.0.1:5000 \\
        --kiosk KIOSK --counter 1=PAD1 --counter 2=PAD2 --tickets 120

Kiosk and counter threads run at the same time, as in the hall at nine o'clock. At the end
it prints how many tickets were issued and called, and how many were called twice (0).
The hall must be open (its hours and open days) while this runs.
"""

import argparse
import random
import threading
import time
from collections import Counter

import requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--kiosk", required=True, help="a kiosk device token")
    parser.add_argument("--counter", action="append", default=[], help="NUMBER=TOKEN")
    parser.add_argument("--tickets", type=int, default=120)
    parser.add_argument("--services", default="ABCD")
    parser.add_argument("--pace", type=float, default=0.05, help="seconds between tickets")
    args = parser.parse_args()
    api = args.url.rstrip("/") + "/api/v1"
    kiosk = {"Authorization": f"Bearer {args.kiosk}"}
    pads = {
        int(number): {"Authorization": f"Bearer {token}"}
        for number, token in (item.split("=", 1) for item in args.counter)
    }
    issued, called, problems = [], [], []
    lock = threading.Lock()
    issuing_done = threading.Event()

    def issue() -> None:
        session = requests.Session()
        for n in range(args.tickets):
            body = {"service": random.choice(args.services)}
            if n % 6 == 0:
                body["priority_class"] = random.choice(["senior", "pregnant", "disabled"])
            response = session.post(f"{api}/tickets", json=body, headers=kiosk, timeout=30)
            with lock:
                (issued if response.status_code == 201 else problems).append(response.text)
            time.sleep(args.pace)
        issuing_done.set()

    def serve(number: int, headers: dict) -> None:
        session = requests.Session()
        session.put(f"{api}/counter/state", json={"state": "open"}, headers=headers, timeout=30)
        while True:
            finished_issuing = issuing_done.is_set()
            response = session.post(f"{api}/counter/call-next", headers=headers, timeout=30)
            if response.status_code == 204:
                if finished_issuing:
                    return
                time.sleep(0.2)
                continue
            if response.status_code != 200:
                with lock:
                    problems.append(f"counter {number}: {response.text}")
                return
            ticket = response.json()["ticket"]
            with lock:
                called.append(ticket["public_id"])
            path = f"{api}/tickets/{ticket['public_id']}"
            if random.random() < 0.05:
                session.post(f"{path}/no-show", headers=headers, timeout=30)
                continue
            session.post(f"{path}/start", headers=headers, timeout=30)
            time.sleep(random.uniform(0.05, 0.2))
            session.post(f"{path}/finish", headers=headers, timeout=30)

    threads = [threading.Thread(target=issue)] + [
        threading.Thread(target=serve, args=item) for item in pads.items()
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    twice = sum(count - 1 for count in Counter(called).values() if count > 1)
    print(
        f"issued {len(issued)}, called {len(called)}, called twice {twice}, "
        f"problems {len(problems)}, {time.monotonic() - began:.1f}s"
    )
    for problem in problems[:10]:
        print("  ", problem)


if __name__ == "__main__":
    main()
