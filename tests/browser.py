#!/usr/bin/env python3
"""The dashboard in a real browser: Debian's chromium, headless, driven by
Selenium through chromium-driver (Debian: chromium, chromium-driver,
python3-selenium).  Used by tests/link.test; one command per run:

  browser.py URL matrix N [RED_PAIRS [WAIT_S [SINCE]]]
                                       the matrix shows N x N cells, the
                                       pairs "A-B,C-D" red, every other
                                       green, within WAIT_S seconds (60)
                                       of SINCE (a time.time(); default:
                                       now); prints the page's load time
  browser.py URL lg ROUTER PREFIX...   the looking glass of ROUTER lists
                                       these prefixes
  browser.py URL shots DIR             a PNG of each page into DIR

Exit 0 when the condition holds, 1 when not (a screenshot of the page is
kept in $SHOTS_ON_FAILURE, if set), 77 when the browser cannot run here.
"""
import os
import shutil
import sys
import tempfile
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
except ImportError as e:
    print("# python3-selenium is missing: %s" % e)
    sys.exit(77)

WAIT_S = 60  # the longest any condition is waited for


def start(scratch):
    # Chromium and its driver leave directories in $TMPDIR (the profile,
    # the singleton socket's): they go to a scratch directory main removes.
    os.environ["TMPDIR"] = scratch
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    opts.add_argument("--user-data-dir=" + os.path.join(scratch, "profile"))
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1280,900",
              "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    try:
        return webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                                options=opts)
    except Exception as e:  # no chromium, no driver, cannot start
        print("# chromium cannot start: %s" % str(e).splitlines()[0])
        sys.exit(77)


def until(browser, condition, what, deadline=None):
    """Polls condition() until it returns True or `deadline` (a
    time.time(); default WAIT_S from now) passes."""
    deadline = deadline or time.time() + WAIT_S
    last = None
    while time.time() < deadline:
        try:
            last = condition()
            if last is True:
                return True
        except Exception as e:  # the page is being redrawn
            last = e
        time.sleep(0.5)
    print("# not in time: %s (last: %s)" % (what, last))
    shots = os.environ.get("SHOTS_ON_FAILURE")
    if shots:
        os.makedirs(shots, exist_ok=True)
        path = os.path.join(shots, "failure-%d.png" % int(time.time()))
        browser.save_screenshot(path)
        print("# screenshot kept: %s" % path)
    return False


def matrix(browser, url, n, red, deadline=None):
    t0 = time.monotonic()
    browser.get(url + "/#matrix")
    load_ms = browser.execute_script(
        "const t = performance.getEntriesByType('navigation')[0];"
        "return t ? t.loadEventEnd : -1;")

    def check():
        cells = browser.find_elements(By.CSS_SELECTOR, "#matrix td")
        if len(cells) != n * n:
            return "%d cells" % len(cells)
        wrong = []
        for c in cells:
            a, b = c.get_attribute("data-from"), c.get_attribute("data-to")
            state = c.get_attribute("data-state")
            if a == b:
                continue
            want = "unreachable" if "%s-%s" % (a, b) in red else "reachable"
            colour = c.value_of_css_property("background-color")
            if state != want:
                wrong.append("%s-%s %s" % (a, b, state))
            elif want == "reachable" and "46, 157, 74" not in colour:
                wrong.append("%s-%s drawn %s" % (a, b, colour))
            elif want == "unreachable" and "217, 59, 59" not in colour:
                wrong.append("%s-%s drawn %s" % (a, b, colour))
        return True if not wrong else ", ".join(wrong[:6])

    ok = until(browser, check, "%dx%d matrix, red: %s" % (n, n, sorted(red)),
               deadline)
    print("# page loaded in %.0f ms (navigation timing); matrix as expected "
          "%.1f s after loading started" % (load_ms, time.monotonic() - t0))
    return ok


def lg(browser, url, router, prefixes):
    browser.get(url + "/#lg")

    def pick():
        Select(browser.find_element(By.ID, "lg-router")).select_by_value(
            router)
        return True

    if not until(browser, pick, "router %s in the list" % router):
        return False

    def listed():
        rows = browser.find_elements(By.CSS_SELECTOR, "#lg-routes tbody tr")
        shown = {r.find_elements(By.TAG_NAME, "td")[0].text for r in rows}
        missing = [p for p in prefixes if p not in shown]
        return True if not missing else "missing %s" % missing

    return until(browser, listed, "%s lists %s" % (router, prefixes))


def shots(browser, url, out):
    os.makedirs(out, exist_ok=True)
    for page in ("matrix", "lg", "topology", "status"):
        browser.get(url + "/#" + page)
        time.sleep(3)
        if page == "lg":
            lg(browser, url, "1_ZURIrouter", [])
            time.sleep(2)
        browser.save_screenshot(os.path.join(out, "dashboard-%s.png" % page))
    return True


def main():
    url, what, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    scratch = tempfile.mkdtemp(prefix="miniinet-browser.")
    try:
        browser = start(scratch)
    except SystemExit:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    try:
        if what == "matrix":
            red = set(args[1].split(",")) if len(args) > 1 and args[1] else set()
            deadline = None
            if len(args) > 2:
                since = float(args[3]) if len(args) > 3 else time.time()
                deadline = since + float(args[2])
            ok = matrix(browser, url, int(args[0]), red, deadline)
        elif what == "lg":
            ok = lg(browser, url, args[0], args[1:])
        elif what == "shots":
            ok = shots(browser, url, args[0])
        else:
            print("# unknown command %s" % what)
            ok = False
    finally:
        browser.quit()
        shutil.rmtree(scratch, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
