"""Real user agents of people tapping a link: browsers and in-app browsers (each must be a ``click``)."""

from __future__ import annotations

_IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
_WEBVIEW = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240605.024; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36"
)

BROWSERS: dict[str, str] = {
    "iOS Safari": f"{_IPHONE} Version/17.5 Mobile/15E148 Safari/604.1",
    "iPadOS Safari": "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1",
    "Chrome iOS (CriOS)": f"{_IPHONE} CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
    "Firefox iOS": f"{_IPHONE} FxiOS/127.0 Mobile/15E148 Safari/605.1.15",
    "Chrome Android (reduced)": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.122 Mobile Safari/537.36",
    "Chrome Android (full)": "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/112.0.0.0 Mobile Safari/537.36",
    "Samsung Internet": "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
    "Firefox Android": "Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0",
    "Edge Android": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36 EdgA/126.0.2592.80",
    "Opera Android": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36 OPR/83.0.4388.80180",
    "DuckDuckGo Android": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
    "Chrome/125.0.6422.165 Mobile DuckDuckGo/5 Safari/537.36",
    "Huawei Browser": "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.13.0.302) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.5.302 Mobile Safari/537.36",
    "UC Browser": "Mozilla/5.0 (Linux; U; Android 10; en-US; RMX2185 Build/QP1A.190711.020) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 UCBrowser/13.4.0.1306 Mobile Safari/537.36",
    "Xiaomi Mi Browser": "Mozilla/5.0 (Linux; U; Android 13; en-us; 2201117TG Build/TKQ1.221114.001) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.136 Mobile Safari/537.36 "
    "XiaoMi/MiuiBrowser/14.9.1-gn",
    "Yandex Browser Android": "Mozilla/5.0 (Linux; arm_64; Android 13; SM-A546E) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.6.1.79.00 SA/3 Mobile Safari/537.36",
    "Android WebView": _WEBVIEW,
    "Desktop Chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36",
    "Desktop Edge": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/114.0.0.0 Safari/537.36 Edg/114.0.1823.43",
    "Desktop Firefox": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
    "Desktop Safari": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    # In-app browsers: a person tapping inside an app.
    "Instagram iOS": f"{_IPHONE} Mobile/15E148 Instagram 337.0.3.23.54 (iPhone14,5; iOS 17_5; en_US; en; "
    "scale=3.00; 1170x2532; 613349393)",
    "Instagram Android": "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36 Instagram 335.0.0.39.93 Android "
    "(34/14; 480dpi; 1080x2340; samsung; SM-S918B; dm3q; qcom; en_US; 606558421)",
    "Facebook iOS (FBAN/FBAV)": f"{_IPHONE} Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.38.109;FBBV/612112372;"
    "FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/614085640]",
    "Facebook Android (FB_IAB)": "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36 "
    "[FB_IAB/FB4A;FBAV/469.0.0.49.110;]",
    "Messenger iOS": f"{_IPHONE} Mobile/15E148 [FBAN/MessengerLiteForiOS;FBAV/466.0.0.36.108;FBBV/604633934;"
    "FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBCR/;FBID/phone;FBLC/en_US;FBOP/0]",
    "TikTok iOS": f"{_IPHONE} Mobile/15E148 musical_ly_35.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store "
    "ByteLocale/en Region/US RevealType/Dialog isDarkMode/0 WKWebView/1 BytedanceWebview/d8a21c6 FalconTag/",
    "TikTok Android": f"{_WEBVIEW} trill_350102 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/trill "
    "app_version/35.1.2 ByteLocale/en ByteFullLocale/en Region/US AppId/1180 Spark/1.5.6.4-bugfix "
    "AppVersion/35.1.2 BytedanceWebview/d8a21c6",
    "LinkedIn app": f"{_IPHONE} Mobile/15E148 [LinkedInApp]/9.29.7760",
    "LINE iOS in-app": f"{_IPHONE} Mobile/15E148 Safari Line/14.9.0",
    "LINE Android in-app": f"{_WEBVIEW} Line/14.9.1/IAB",
    "KakaoTalk in-app": f"{_IPHONE} Mobile/15E148 KAKAOTALK 10.8.5",
    "Telegram Android in-app": f"{_WEBVIEW} Telegram-Android/10.14.5 (Google Pixel 8; Android 14; SDK 34; HIGH)",
    "Snapchat in-app": f"{_IPHONE} Mobile/15E148 Snapchat/13.0.0.40 (like Safari/8617.2.4.10.8, panda)",
    "Pinterest in-app": f"{_IPHONE} Mobile/15E148 [Pinterest/iOS]",
    "Google app iOS (GSA)": f"{_IPHONE} GSA/320.0.645157129 Mobile/15E148 Safari/604.1",
    "X (Twitter) iOS in-app": f"{_IPHONE} Mobile/15E148 Twitter for iPhone/10.48",
    "WeChat in-app": f"{_IPHONE} Mobile/15E148 MicroMessenger/8.0.49(0x18003130) NetType/WIFI Language/en",
}

# Machines that are not in preview_agents.json: crawlerdetect must recognise them.
OTHER_MACHINES: dict[str, str] = {
    "curl": "curl/8.5.0",
    "python-requests": "python-requests/2.32.3",
    "Go HTTP client": "Go-http-client/2.0",
    "Naver Yeti": "Mozilla/5.0 (compatible; Yeti/1.1; +https://naver.me/spd)",
    "Yahoo Slurp": "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "Bitly": "bitlybot/3.0 (+http://bit.ly/)",
    "Headless Chrome": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/126.0.6478.126 Safari/537.36",
    "Lighthouse": "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
    "UptimeRobot": "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
}
