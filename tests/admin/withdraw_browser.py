#!/usr/bin/python3
"""withdraw_browser.py URL NUMBER SMSLOG LANG: a person withdraws in headless Chromium
(with JavaScript switched off, to show the page needs none): opens URL (the tenant's
withdrawal page), types NUMBER, submits, takes the code from the SMS gateway's request
log SMSLOG (what the hook received), types it, submits, and prints what the final
page says (its #message and #notice). Exits 1 on anything unexpected."""
import json, sys, time
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def submit(button_id):
    """Click and wait until the next page replaced this one (a click does not wait
    for the navigation it starts)."""
    old = d.find_element(By.TAG_NAME, "html")
    d.find_element(By.ID, button_id).click()
    WebDriverWait(d, 20).until(EC.staleness_of(old))

url, number, smslog, lang = sys.argv[1:5]
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
    opts.add_argument(a)
opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
try:
    d.set_page_load_timeout(20)
    d.get(url)
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang, "page language"
    assert not d.find_elements(By.TAG_NAME, "script"), "the page has a script"
    d.find_element(By.ID, "number").send_keys(number)
    submit("send")
    sent = d.find_element(By.ID, "message").text
    print("after the number:", sent)
    code = None
    for _ in range(100):                 # the hook is posted asynchronously
        try:
            for line in open(smslog):
                req = json.loads(line)
                if req.get("path", "").startswith("/hooks/sms"):
                    code = json.loads(req["body"])["code"]
        except FileNotFoundError:
            pass
        if code:
            break
        time.sleep(0.1)
    assert code, "no code reached the SMS hook"
    d.find_element(By.ID, "code").send_keys(code)
    submit("confirm")
    print("message:", d.find_element(By.ID, "message").text)
    print("notice:", d.find_element(By.ID, "notice").text)
finally:
    d.quit()
