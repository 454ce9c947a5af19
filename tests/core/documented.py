"""Binance's documented JSON examples, verbatim but for their comments (JavaScript-style
``//`` comments removed so each is JSON). Each constant names its document and section
(binance/binance-spot-api-docs at commit a5e0bc3). The tests that feed them to oms's decoders:
tests/core/test_documented_examples.py and tests/binance/test_documented_answers.py; the local
exchange's answers are compared with them in tests/server/test_documented_examples.py."""

from __future__ import annotations

# rest-api.md, New order (TRADE), "Response - RESULT".
NEW_ORDER_RESULT = (
    b'{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,'
    b'"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595,'
    b'"price":"0.00000000","origQty":"10.00000000","executedQty":"10.00000000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"10.00000000",'
    b'"status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL",'
    b'"workingTime":1507725176595,"selfTradePreventionMode":"NONE"}'
)

# rest-api.md, Cancel an Existing Order and Send a New Order, both succeeded.
CANCEL_REPLACE_SUCCESS = (
    b'{"cancelResult":"SUCCESS","newOrderResult":"SUCCESS",'
    b'"cancelResponse":{"symbol":"BTCUSDT","origClientOrderId":"DnLo3vTAQcjha43lAZhZ0y",'
    b'"orderId":9,"orderListId":-1,"clientOrderId":"osxN3JXAtJvKvCqGeMWMVR",'
    b'"transactTime":1684804350068,"price":"0.01000000","origQty":"0.000100",'
    b'"executedQty":"0.00000000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC",'
    b'"type":"LIMIT","side":"SELL","selfTradePreventionMode":"NONE"},'
    b'"newOrderResponse":{"symbol":"BTCUSDT","orderId":10,"orderListId":-1,'
    b'"clientOrderId":"wOceeeOzNORyLiQfw7jd8S","transactTime":1652928801803,'
    b'"price":"0.02000000","origQty":"0.040000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00000000","status":"NEW",'
    b'"timeInForce":"GTC","type":"LIMIT","side":"BUY","workingTime":1669277163808,'
    b'"fills":[],"selfTradePreventionMode":"NONE"}}'
)

# rest-api.md, same section, cancel fails with STOP_ON_FAILURE (-2022).
CANCEL_REPLACE_CANCEL_FAILED = (
    b'{"code":-2022,"msg":"Order cancel-replace failed.","data":{"cancelResult":"FAILURE",'
    b'"newOrderResult":"NOT_ATTEMPTED","cancelResponse":{"code":-2011,'
    b'"msg":"Unknown order sent."},"newOrderResponse":null}}'
)

# rest-api.md, same section, cancel succeeds, new order fails (-2021).
CANCEL_REPLACE_NEW_FAILED = (
    b'{"code":-2021,"msg":"Order cancel-replace partially failed.",'
    b'"data":{"cancelResult":"SUCCESS","newOrderResult":"FAILURE",'
    b'"cancelResponse":{"symbol":"BTCUSDT","origClientOrderId":"86M8erehfExV8z2RC8Zo8k",'
    b'"orderId":3,"orderListId":-1,"clientOrderId":"G1kLo6aDv2KGNTFcjfTSFq",'
    b'"transactTime":1684804350068,"price":"0.006123","origQty":"10000.000000",'
    b'"executedQty":"0.000000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.000000","status":"CANCELED","timeInForce":"GTC",'
    b'"type":"LIMIT_MAKER","side":"SELL","selfTradePreventionMode":"NONE"},'
    b'"newOrderResponse":{"code":-2010,"msg":"Order would immediately match and take."}}}'
)

# rest-api.md, same section, both fail with ALLOW_FAILURE (-2022).
CANCEL_REPLACE_BOTH_FAILED = (
    b'{"code":-2022,"msg":"Order cancel-replace failed.","data":{"cancelResult":"FAILURE",'
    b'"newOrderResult":"FAILURE","cancelResponse":{"code":-2011,'
    b'"msg":"Unknown order sent."},"newOrderResponse":{"code":-2010,'
    b'"msg":"Order would immediately match and take."}}}'
)

# rest-api.md, same section, orderRateLimitExceededMode=CANCEL_ONLY (-2021).
CANCEL_REPLACE_CANCEL_ONLY = (
    b'{"code":-2021,"msg":"Order cancel-replace partially failed.",'
    b'"data":{"cancelResult":"SUCCESS","newOrderResult":"FAILURE",'
    b'"cancelResponse":{"symbol":"LTCBNB","origClientOrderId":"GKt5zzfOxRDSQLveDYCTkc",'
    b'"orderId":64,"orderListId":-1,"clientOrderId":"loehOJF3FjoreUBDmv739R",'
    b'"transactTime":1715779007228,"price":"1.00","origQty":"10.00000000",'
    b'"executedQty":"0.00000000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.00","status":"CANCELED","timeInForce":"GTC","type":"LIMIT",'
    b'"side":"SELL","selfTradePreventionMode":"NONE"},"newOrderResponse":{"code":-1015,'
    b'"msg":"Too many new orders; current limit is 1 orders per 10 SECOND."}}}'
)

# rest-api.md, Order Amend Keep Priority (TRADE), "Response for a single order".
AMEND_SINGLE = (
    b'{"transactTime":1741926410255,"executionId":75,"amendedOrder":{"symbol":"BTCUSDT",'
    b'"orderId":33,"orderListId":-1,"origClientOrderId":"5xrgbMyg6z36NzBn2pbT8H",'
    b'"clientOrderId":"PFaq6hIHxqFENGfdtn4J6Q","price":"6.00000000","qty":"5.00000000",'
    b'"executedQty":"0.00000000","preventedQty":"0.00000000","quoteOrderQty":"0.00000000",'
    b'"cumulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC","type":"LIMIT",'
    b'"side":"SELL","workingTime":1741926410242,"selfTradePreventionMode":"NONE"}}'
)

# rest-api.md, New OCO - Deprecated (TRADE), "Response".
OLD_OCO = (
    b'{"orderListId":0,"contingencyType":"OCO","listStatusType":"EXEC_STARTED",'
    b'"listOrderStatus":"EXECUTING","listClientOrderId":"JYVpp3F0f5CAG15DhtrqLp",'
    b'"transactionTime":1563417480525,"symbol":"LTCBTC","orders":[{"symbol":"LTCBTC",'
    b'"orderId":2,"clientOrderId":"Kk7sqHb9J6mJWTMDVW7Vos"},{"symbol":"LTCBTC",'
    b'"orderId":3,"clientOrderId":"xTXKaGYd4bluPVp78IVRvl"}],'
    b'"orderReports":[{"symbol":"LTCBTC","orderId":2,"orderListId":0,'
    b'"clientOrderId":"Kk7sqHb9J6mJWTMDVW7Vos","transactTime":1563417480525,'
    b'"price":"0.000000","origQty":"0.624363","executedQty":"0.000000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.000000","status":"NEW",'
    b'"timeInForce":"GTC","type":"STOP_LOSS","side":"BUY","stopPrice":"0.960664",'
    b'"workingTime":-1,"selfTradePreventionMode":"NONE"},{"symbol":"LTCBTC","orderId":3,'
    b'"orderListId":0,"clientOrderId":"xTXKaGYd4bluPVp78IVRvl",'
    b'"transactTime":1563417480525,"price":"0.036435","origQty":"0.624363",'
    b'"executedQty":"0.000000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.000000","status":"NEW","timeInForce":"GTC",'
    b'"type":"LIMIT_MAKER","side":"BUY","workingTime":1563417480525,'
    b'"selfTradePreventionMode":"NONE"}]}'
)

# rest-api.md, New Order list - OTO (TRADE), "Response".
OTO = (
    b'{"orderListId":0,"contingencyType":"OTO","listStatusType":"EXEC_STARTED",'
    b'"listOrderStatus":"EXECUTING","listClientOrderId":"yl2ERtcar1o25zcWtqVBTC",'
    b'"transactionTime":1712289389158,"symbol":"LTCBTC","orders":[{"symbol":"LTCBTC",'
    b'"orderId":4,"clientOrderId":"Bq17mn9fP6vyCn75Jw1xya"},{"symbol":"LTCBTC",'
    b'"orderId":5,"clientOrderId":"arLFo0zGJVDE69cvGBaU0d"}],'
    b'"orderReports":[{"symbol":"LTCBTC","orderId":4,"orderListId":0,'
    b'"clientOrderId":"Bq17mn9fP6vyCn75Jw1xya","transactTime":1712289389158,'
    b'"price":"1.00000000","origQty":"1.00000000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00000000","status":"NEW",'
    b'"timeInForce":"GTC","type":"LIMIT","side":"SELL","workingTime":1712289389158,'
    b'"selfTradePreventionMode":"NONE"},{"symbol":"LTCBTC","orderId":5,"orderListId":0,'
    b'"clientOrderId":"arLFo0zGJVDE69cvGBaU0d","transactTime":1712289389158,'
    b'"price":"0.00000000","origQty":"5.00000000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00000000",'
    b'"status":"PENDING_NEW","timeInForce":"GTC","type":"MARKET","side":"BUY",'
    b'"workingTime":-1,"selfTradePreventionMode":"NONE"}]}'
)

# rest-api.md, New Order list - OTOCO (TRADE), "Response".
OTOCO = (
    b'{"orderListId":1,"contingencyType":"OTO","listStatusType":"EXEC_STARTED",'
    b'"listOrderStatus":"EXECUTING","listClientOrderId":"RumwQpBaDctlUu5jyG5rs0",'
    b'"transactionTime":1712291372842,"symbol":"LTCBTC","orders":[{"symbol":"LTCBTC",'
    b'"orderId":6,"clientOrderId":"fM9Y4m23IFJVCQmIrlUmMK"},{"symbol":"LTCBTC",'
    b'"orderId":7,"clientOrderId":"6pcQbFIzTXGZQ1e2MkGDq4"},{"symbol":"LTCBTC",'
    b'"orderId":8,"clientOrderId":"r4JMv9cwAYYUwwBZfbussx"}],'
    b'"orderReports":[{"symbol":"LTCBTC","orderId":6,"orderListId":1,'
    b'"clientOrderId":"fM9Y4m23IFJVCQmIrlUmMK","transactTime":1712291372842,'
    b'"price":"1.00000000","origQty":"1.00000000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00000000","status":"NEW",'
    b'"timeInForce":"GTC","type":"LIMIT","side":"SELL","workingTime":1712291372842,'
    b'"selfTradePreventionMode":"NONE"},{"symbol":"LTCBTC","orderId":7,"orderListId":1,'
    b'"clientOrderId":"6pcQbFIzTXGZQ1e2MkGDq4","transactTime":1712291372842,'
    b'"price":"1.00000000","origQty":"5.00000000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00000000",'
    b'"status":"PENDING_NEW","timeInForce":"IOC","type":"STOP_LOSS_LIMIT","side":"BUY",'
    b'"stopPrice":"6.00000000","workingTime":-1,"selfTradePreventionMode":"NONE"},'
    b'{"symbol":"LTCBTC","orderId":8,"orderListId":1,'
    b'"clientOrderId":"r4JMv9cwAYYUwwBZfbussx","transactTime":1712291372842,'
    b'"price":"3.00000000","origQty":"5.00000000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00000000",'
    b'"status":"PENDING_NEW","timeInForce":"GTC","type":"LIMIT_MAKER","side":"BUY",'
    b'"workingTime":-1,"selfTradePreventionMode":"NONE"}]}'
)

# rest-api.md, New Order List - OPO (TRADE), "Response".
OPO = (
    b'{"orderListId":0,"contingencyType":"OTO","listStatusType":"EXEC_STARTED",'
    b'"listOrderStatus":"EXECUTING","listClientOrderId":"H94qCqO27P74OEiO4X8HOG",'
    b'"transactionTime":1762998011671,"symbol":"BTCUSDT","orders":[{"symbol":"BTCUSDT",'
    b'"orderId":2,"clientOrderId":"JX6xfdjo0wysiGumfHNmPu"},{"symbol":"BTCUSDT",'
    b'"orderId":3,"clientOrderId":"2ZJCY0IjOhuYIMLGN8kU8S"}],'
    b'"orderReports":[{"symbol":"BTCUSDT","orderId":2,"orderListId":0,'
    b'"clientOrderId":"JX6xfdjo0wysiGumfHNmPu","transactTime":1762998011671,'
    b'"price":"102264.00000000","origQty":"0.00060000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"NEW",'
    b'"timeInForce":"GTC","type":"LIMIT","side":"BUY","workingTime":1762998011671,'
    b'"selfTradePreventionMode":"NONE"},{"symbol":"BTCUSDT","orderId":3,"orderListId":0,'
    b'"clientOrderId":"2ZJCY0IjOhuYIMLGN8kU8S","transactTime":1762998011671,'
    b'"price":"0.00000000","executedQty":"0.00000000","origQuoteOrderQty":"0.00000000",'
    b'"cummulativeQuoteQty":"0.00000000","status":"PENDING_NEW","timeInForce":"GTC",'
    b'"type":"MARKET","side":"SELL","workingTime":-1,"selfTradePreventionMode":"NONE"}]}'
)

# rest-api.md, New Order List - OPOCO (TRADE), "Response".
OPOCO = (
    b'{"orderListId":2,"contingencyType":"OTO","listStatusType":"EXEC_STARTED",'
    b'"listOrderStatus":"EXECUTING","listClientOrderId":"bcedxMpQG6nFrZUPQyshoL",'
    b'"transactionTime":1763000506354,"symbol":"BTCUSDT","orders":[{"symbol":"BTCUSDT",'
    b'"orderId":9,"clientOrderId":"OLSBhMWaIlLSzZ9Zm7fnKB"},{"symbol":"BTCUSDT",'
    b'"orderId":10,"clientOrderId":"mfif39yPTHsB3C0FIXznR2"},{"symbol":"BTCUSDT",'
    b'"orderId":11,"clientOrderId":"yINkaXSJeoi3bU5vWMY8Z8"}],'
    b'"orderReports":[{"symbol":"BTCUSDT","orderId":9,"orderListId":2,'
    b'"clientOrderId":"OLSBhMWaIlLSzZ9Zm7fnKB","transactTime":1763000506354,'
    b'"price":"102496.00000000","origQty":"0.00170000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000","status":"NEW",'
    b'"timeInForce":"GTC","type":"LIMIT","side":"BUY","workingTime":1763000506354,'
    b'"selfTradePreventionMode":"NONE"},{"symbol":"BTCUSDT","orderId":10,"orderListId":2,'
    b'"clientOrderId":"mfif39yPTHsB3C0FIXznR2","transactTime":1763000506354,'
    b'"price":"101613.00000000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000",'
    b'"status":"PENDING_NEW","timeInForce":"GTC","type":"STOP_LOSS_LIMIT","side":"SELL",'
    b'"stopPrice":"10100.00000000","workingTime":-1,"selfTradePreventionMode":"NONE"},'
    b'{"symbol":"BTCUSDT","orderId":11,"orderListId":2,'
    b'"clientOrderId":"yINkaXSJeoi3bU5vWMY8Z8","transactTime":1763000506354,'
    b'"price":"104261.00000000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.00000000","cummulativeQuoteQty":"0.00000000",'
    b'"status":"PENDING_NEW","timeInForce":"GTC","type":"LIMIT_MAKER","side":"SELL",'
    b'"workingTime":-1,"selfTradePreventionMode":"NONE"}]}'
)

# rest-api.md, Cancel Order list (TRADE), "Response".
CANCEL_LIST = (
    b'{"orderListId":0,"contingencyType":"OCO","listStatusType":"ALL_DONE",'
    b'"listOrderStatus":"ALL_DONE","listClientOrderId":"C3wyj4WVEktd7u9aVBRXcN",'
    b'"transactionTime":1574040868128,"symbol":"LTCBTC","orders":[{"symbol":"LTCBTC",'
    b'"orderId":2,"clientOrderId":"pO9ufTiFGg3nw2fOdgeOXa"},{"symbol":"LTCBTC",'
    b'"orderId":3,"clientOrderId":"TXOvglzXuaubXAaENpaRCB"}],'
    b'"orderReports":[{"symbol":"LTCBTC","origClientOrderId":"pO9ufTiFGg3nw2fOdgeOXa",'
    b'"orderId":2,"orderListId":0,"clientOrderId":"unfWT8ig8i0uj6lPuYLez6",'
    b'"transactTime":1688005070874,"price":"1.00000000","origQty":"10.00000000",'
    b'"executedQty":"0.00000000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC",'
    b'"type":"STOP_LOSS_LIMIT","side":"SELL","stopPrice":"1.00000000",'
    b'"selfTradePreventionMode":"NONE"},{"symbol":"LTCBTC",'
    b'"origClientOrderId":"TXOvglzXuaubXAaENpaRCB","orderId":3,"orderListId":0,'
    b'"clientOrderId":"unfWT8ig8i0uj6lPuYLez6","transactTime":1688005070874,'
    b'"price":"3.00000000","origQty":"10.00000000","executedQty":"0.00000000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00000000",'
    b'"status":"CANCELED","timeInForce":"GTC","type":"LIMIT_MAKER","side":"SELL",'
    b'"selfTradePreventionMode":"NONE"}]}'
)

# rest-api.md, Account information (USER_DATA), "Response".
ACCOUNT = (
    b'{"makerCommission":15,"takerCommission":15,"buyerCommission":0,"sellerCommission":0,'
    b'"commissionRates":{"maker":"0.00150000","taker":"0.00150000","buyer":"0.00000000",'
    b'"seller":"0.00000000"},"canTrade":true,"canWithdraw":true,"canDeposit":true,'
    b'"brokered":false,"requireSelfTradePrevention":false,"preventSor":false,'
    b'"updateTime":123456789,"accountType":"SPOT","balances":[{"asset":"BTC",'
    b'"free":"4723846.89208129","locked":"0.00000000"},{"asset":"LTC",'
    b'"free":"4763368.68006011","locked":"0.00000000"}],"permissions":["SPOT"],'
    b'"uid":354937868}'
)

# rest-api.md, Query order (USER_DATA), "Response".
QUERY_ORDER = (
    b'{"symbol":"LTCBTC","orderId":1,"orderListId":-1,"clientOrderId":"myOrder1",'
    b'"price":"0.1","origQty":"1.0","executedQty":"0.0","cummulativeQuoteQty":"0.0",'
    b'"status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","stopPrice":"0.0",'
    b'"icebergQty":"0.0","time":1499827319559,"updateTime":1499827319559,"isWorking":true,'
    b'"workingTime":1499827319559,"origQuoteOrderQty":"0.000000",'
    b'"selfTradePreventionMode":"NONE"}'
)

# rest-api.md, Current open orders (USER_DATA), "Response".
OPEN_ORDERS = (
    b'[{"symbol":"LTCBTC","orderId":1,"orderListId":-1,"clientOrderId":"myOrder1",'
    b'"price":"0.1","origQty":"1.0","executedQty":"0.0","cummulativeQuoteQty":"0.0",'
    b'"status":"NEW","timeInForce":"GTC","type":"LIMIT","side":"BUY","stopPrice":"0.0",'
    b'"icebergQty":"0.0","time":1499827319559,"updateTime":1499827319559,"isWorking":true,'
    b'"origQuoteOrderQty":"0.000000","workingTime":1499827319559,'
    b'"selfTradePreventionMode":"NONE"}]'
)

# rest-api.md, All orders (USER_DATA), "Response": the same example, key for key.
ALL_ORDERS = OPEN_ORDERS

# rest-api.md, Query Order list (USER_DATA), "Response".
ORDER_LIST = (
    b'{"orderListId":27,"contingencyType":"OCO","listStatusType":"EXEC_STARTED",'
    b'"listOrderStatus":"EXECUTING","listClientOrderId":"h2USkA5YQpaXHPIrkd96xE",'
    b'"transactionTime":1565245656253,"symbol":"LTCBTC","orders":[{"symbol":"LTCBTC",'
    b'"orderId":4,"clientOrderId":"qD1gy3kc3Gx0rihm9Y3xwS"},{"symbol":"LTCBTC",'
    b'"orderId":5,"clientOrderId":"ARzZ9I00CPM8i3NhmU9Ega"}]}'
)

# rest-api.md, Query all Order lists (USER_DATA), "Response".
ALL_ORDER_LISTS = (
    b'[{"orderListId":29,"contingencyType":"OCO","listStatusType":"EXEC_STARTED",'
    b'"listOrderStatus":"EXECUTING","listClientOrderId":"amEEAXryFzFwYF1FeRpUoZ",'
    b'"transactionTime":1565245913483,"symbol":"LTCBTC","orders":[{"symbol":"LTCBTC",'
    b'"orderId":4,"clientOrderId":"oD7aesZqjEGlZrbtRpy5zB"},{"symbol":"LTCBTC",'
    b'"orderId":5,"clientOrderId":"Jr1h6xirOxgeJOUuYQS7V3"}]},{"orderListId":28,'
    b'"contingencyType":"OCO","listStatusType":"EXEC_STARTED",'
    b'"listOrderStatus":"EXECUTING","listClientOrderId":"hG7hFNxJV6cZy3Ze4AUT4d",'
    b'"transactionTime":1565245913407,"symbol":"LTCBTC","orders":[{"symbol":"LTCBTC",'
    b'"orderId":2,"clientOrderId":"j6lFOfbmFMRjTYA7rRJ0LP"},{"symbol":"LTCBTC",'
    b'"orderId":3,"clientOrderId":"z0KCjOdditiLS5ekAFtK81"}]}]'
)

# rest-api.md, Query Open Order lists (USER_DATA), "Response".
OPEN_ORDER_LISTS = (
    b'[{"orderListId":31,"contingencyType":"OCO","listStatusType":"EXEC_STARTED",'
    b'"listOrderStatus":"EXECUTING","listClientOrderId":"wuB13fmulKj3YjdqWEcsnp",'
    b'"transactionTime":1565246080644,"symbol":"LTCBTC","orders":[{"symbol":"LTCBTC",'
    b'"orderId":4,"clientOrderId":"r3EH2N76dHfLoSZWIUw1bT"},{"symbol":"LTCBTC",'
    b'"orderId":5,"clientOrderId":"Cv1SnyPD3qhqpbjpYEHbd2"}]}]'
)

# rest-api.md, Account trade list (USER_DATA), "Response".
MY_TRADES = (
    b'[{"symbol":"BNBBTC","id":28457,"orderId":100234,"orderListId":-1,'
    b'"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012",'
    b'"commission":"10.10000000","commissionAsset":"BNB","time":1499865549590,'
    b'"isBuyer":true,"isMaker":false,"isBestMatch":true}]'
)

# rest-api.md, Query Unfilled Order Count (USER_DATA), "Response".
UNFILLED_ORDER_COUNT = (
    b'[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":50,'
    b'"count":0},{"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,'
    b'"limit":160000,"count":0}]'
)

# rest-api.md, Query Allocations (USER_DATA), "Response".
MY_ALLOCATIONS = (
    b'[{"symbol":"BTCUSDT","allocationId":0,"allocationType":"SOR","orderId":1,'
    b'"orderListId":-1,"price":"1.00000000","qty":"5.00000000","quoteQty":"5.00000000",'
    b'"commission":"0.00000000","commissionAsset":"BTC","time":1687506878118,'
    b'"isBuyer":true,"isMaker":false,"isAllocator":false}]'
)

# rest-api.md, Query Commission Rates (USER_DATA), "Response".
COMMISSION = (
    b'{"symbol":"BTCUSDT","standardCommission":{"maker":"0.00000010","taker":"0.00000020",'
    b'"buyer":"0.00000030","seller":"0.00000040"},'
    b'"specialCommission":{"maker":"0.01000000","taker":"0.02000000","buyer":"0.03000000",'
    b'"seller":"0.04000000"},"taxCommission":{"maker":"0.00000112","taker":"0.00000114",'
    b'"buyer":"0.00000118","seller":"0.00000116"},"discount":{"enabledForAccount":true,'
    b'"enabledForSymbol":true,"discountAsset":"BNB","discount":"0.75000000"}}'
)

# rest-api.md, Query Order Amendments (USER_DATA), "Response".
AMENDMENTS = (
    b'[{"symbol":"BTCUSDT","orderId":9,"executionId":22,'
    b'"origClientOrderId":"W0fJ9fiLKHOJutovPK3oJp",'
    b'"newClientOrderId":"UQ1Np3bmQ71jJzsSDW9Vpi","origQty":"5.00000000",'
    b'"newQty":"4.00000000","time":1741669661670},{"symbol":"BTCUDST","orderId":9,'
    b'"executionId":25,"origClientOrderId":"UQ1Np3bmQ71jJzsSDW9Vpi",'
    b'"newClientOrderId":"5uS0r35ohuQyDlCzZuYXq2","origQty":"4.00000000",'
    b'"newQty":"3.00000000","time":1741672924895}]'
)

# rest-api.md, Exchange information, "Response" (its placeholders kept).
EXCHANGE_INFO = (
    b'{"timezone":"UTC","serverTime":1565246363776,"rateLimits":[{}],"exchangeFilters":[],'
    b'"symbols":[{"symbol":"ETHBTC","status":"TRADING","baseAsset":"ETH",'
    b'"baseAssetPrecision":8,"quoteAsset":"BTC","quotePrecision":8,'
    b'"quoteAssetPrecision":8,"baseCommissionPrecision":8,"quoteCommissionPrecision":8,'
    b'"orderTypes":["LIMIT","LIMIT_MAKER","MARKET","STOP_LOSS","STOP_LOSS_LIMIT",'
    b'"TAKE_PROFIT","TAKE_PROFIT_LIMIT"],"icebergAllowed":true,"ocoAllowed":true,'
    b'"otoAllowed":true,"opoAllowed":true,"quoteOrderQtyMarketAllowed":true,'
    b'"allowTrailingStop":false,"cancelReplaceAllowed":false,"amendAllowed":false,'
    b'"pegInstructionsAllowed":true,"isSpotTradingAllowed":true,'
    b'"isMarginTradingAllowed":true,"filters":[],"permissions":[],'
    b'"permissionSets":[["SPOT","MARGIN"]],"defaultSelfTradePreventionMode":"NONE",'
    b'"allowedSelfTradePreventionModes":["NONE"]}],"sors":[{"baseAsset":"BTC",'
    b'"symbols":["BTCUSDT","BTCUSDC"]}]}'
)

# faqs/sor_faq.md, What is Smart Order Routing (SOR)?, Example 1.
SOR_FAQ_EXAMPLE_1 = (
    b'{"symbol":"BTCUSDT","orderId":2,"orderListId":-1,'
    b'"clientOrderId":"sBI1KM6nNtOfj5tccZSKly","transactTime":1689149087774,'
    b'"price":"31000.00000000","origQty":"0.50000000","executedQty":"0.50000000",'
    b'"cummulativeQuoteQty":"14000.00000000","status":"FILLED","timeInForce":"GTC",'
    b'"type":"LIMIT","side":"BUY","workingTime":1689149087774,'
    b'"fills":[{"matchType":"ONE_PARTY_TRADE_REPORT","price":"28000.00000000",'
    b'"qty":"0.50000000","commission":"0.00000000","commissionAsset":"BTC","tradeId":-1,'
    b'"allocId":0}],"workingFloor":"SOR","selfTradePreventionMode":"NONE","usedSor":true}'
)

# faqs/stp_faq.md, STP Examples, Scenario A, "Order Status of the Taker Order".
STP_FAQ_TAKER = (
    b'{"symbol":"BTCUSDT","orderId":3,"orderListId":-1,'
    b'"clientOrderId":"Ay48Vtpghnsvy6w8RPQEde","transactTime":1670207731263,'
    b'"price":"1.000000","origQty":"1.000000","executedQty":"1.000000",'
    b'"cummulativeQuoteQty":"1.000000","status":"FILLED","timeInForce":"GTC",'
    b'"type":"LIMIT","side":"SELL","workingTime":1670207731263,'
    b'"fills":[{"price":"1.000000","qty":"1.000000","commission":"0.000000",'
    b'"commissionAsset":"USDT","tradeId":1}],"selfTradePreventionMode":"NONE"}'
)

# faqs/market_orders_faq.md, MARKET orders, the sample response.
MARKET_FAQ_EXPIRED = (
    b'{"symbol":"LTCBNB","orderId":32,"orderListId":-1,'
    b'"clientOrderId":"8LGC97RRgNPVQk979VIhjt","transactTime":1719467634105,'
    b'"price":"0.00000000","origQty":"6.00000000","executedQty":"4.00000000",'
    b'"cummulativeQuoteQty":"4.00000000","status":"EXPIRED","timeInForce":"GTC",'
    b'"type":"MARKET","side":"BUY","workingTime":1719467634105,'
    b'"fills":[{"price":"1.00000000","qty":"2.00000000","commission":"0.00100000",'
    b'"commissionAsset":"BNB","tradeId":7},{"price":"1.00000000","qty":"2.00000000",'
    b'"commission":"0.00100000","commissionAsset":"BNB","tradeId":8}],'
    b'"selfTradePreventionMode":"NONE"}'
)

# web-socket-api.md, Place new order (TRADE), the FULL response.
WS_PLACE_FULL = (
    b'{"id":"56374a46-3061-486b-a311-99ee972eb648","status":200,'
    b'"result":{"symbol":"BTCUSDT","orderId":12569099453,"orderListId":-1,'
    b'"clientOrderId":"4d96324ff9d44481926157ec08158a40","transactTime":1660801715793,'
    b'"price":"23416.10000000","origQty":"0.00847000","executedQty":"0.00847000",'
    b'"origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"198.33521500",'
    b'"status":"FILLED","timeInForce":"GTC","type":"LIMIT","side":"SELL",'
    b'"workingTime":1660801715793,"fills":[{"price":"23416.10000000","qty":"0.00635000",'
    b'"commission":"0.000000","commissionAsset":"BNB","tradeId":1650422481},'
    b'{"price":"23416.50000000","qty":"0.00212000","commission":"0.000000",'
    b'"commissionAsset":"BNB","tradeId":1650422482}]},'
    b'"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,'
    b'"limit":50,"count":1},{"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,'
    b'"limit":160000,"count":1},{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE",'
    b'"intervalNum":1,"limit":6000,"count":1}]}'
)

# web-socket-api.md, Cancel order (TRADE), "When an order list is canceled".
WS_CANCEL_LIST = (
    b'{"id":"16eaf097-bbec-44b9-96ff-e97e6e875870","status":200,'
    b'"result":{"orderListId":19431,"contingencyType":"OCO","listStatusType":"ALL_DONE",'
    b'"listOrderStatus":"ALL_DONE","listClientOrderId":"iuVNVJYYrByz6C4yGOPPK0",'
    b'"transactionTime":1660803702431,"symbol":"BTCUSDT","orders":[{"symbol":"BTCUSDT",'
    b'"orderId":12569099453,"clientOrderId":"bX5wROblo6YeDwa9iTLeyY"},{"symbol":"BTCUSDT",'
    b'"orderId":12569099454,"clientOrderId":"Tnu2IP0J5Y4mxw3IATBfmW"}],'
    b'"orderReports":[{"symbol":"BTCUSDT","origClientOrderId":"bX5wROblo6YeDwa9iTLeyY",'
    b'"orderId":12569099453,"orderListId":19431,"clientOrderId":"OFFXQtxVFZ6Nbcg4PgE2DA",'
    b'"transactTime":1684804350068,"price":"23450.50000000","origQty":"0.00850000",'
    b'"executedQty":"0.00000000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC",'
    b'"type":"STOP_LOSS_LIMIT","side":"BUY","stopPrice":"23430.00000000",'
    b'"selfTradePreventionMode":"NONE"},{"symbol":"BTCUSDT",'
    b'"origClientOrderId":"Tnu2IP0J5Y4mxw3IATBfmW","orderId":12569099454,'
    b'"orderListId":19431,"clientOrderId":"OFFXQtxVFZ6Nbcg4PgE2DA",'
    b'"transactTime":1684804350068,"price":"23400.00000000","origQty":"0.00850000",'
    b'"executedQty":"0.00000000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC",'
    b'"type":"LIMIT_MAKER","side":"BUY","selfTradePreventionMode":"NONE"}]},'
    b'"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,'
    b'"limit":6000,"count":1}]}'
)

# web-socket-api.md, Query order (USER_DATA), "Response".
WS_ORDER_STATUS = (
    b'{"id":"aa62318a-5a97-4f3b-bdc7-640bbe33b291","status":200,'
    b'"result":{"symbol":"BTCUSDT","orderId":12569099453,"orderListId":-1,'
    b'"clientOrderId":"4d96324ff9d44481926157","price":"23416.10000000",'
    b'"origQty":"0.00847000","executedQty":"0.00847000",'
    b'"cummulativeQuoteQty":"198.33521500","status":"FILLED","timeInForce":"GTC",'
    b'"type":"LIMIT","side":"SELL","stopPrice":"0.00000000","trailingDelta":10,'
    b'"trailingTime":-1,"icebergQty":"0.00000000","time":1660801715639,'
    b'"updateTime":1660801717945,"isWorking":true,"workingTime":1660801715639,'
    b'"origQuoteOrderQty":"0.00000000","strategyId":37463720,"strategyType":1000000,'
    b'"selfTradePreventionMode":"NONE","preventedMatchId":0,'
    b'"preventedQuantity":"1.200000"},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT",'
    b'"interval":"MINUTE","intervalNum":1,"limit":6000,"count":4}]}'
)

# web-socket-api.md, Cancel open orders (TRADE), "Response".
WS_CANCEL_OPEN_ORDERS = (
    b'{"id":"778f938f-9041-4b88-9914-efbf64eeacc8","status":200,'
    b'"result":[{"symbol":"BTCUSDT","origClientOrderId":"4d96324ff9d44481926157",'
    b'"orderId":12569099453,"orderListId":-1,"clientOrderId":"91fe37ce9e69c90d6358c0",'
    b'"transactTime":1684804350068,"price":"23416.10000000","origQty":"0.00847000",'
    b'"executedQty":"0.00001000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.23416100","status":"CANCELED","timeInForce":"GTC",'
    b'"type":"LIMIT","side":"SELL","stopPrice":"0.00000000","trailingDelta":0,'
    b'"trailingTime":-1,"icebergQty":"0.00000000","strategyId":37463720,'
    b'"strategyType":1000000,"selfTradePreventionMode":"NONE"},{"orderListId":19431,'
    b'"contingencyType":"OCO","listStatusType":"ALL_DONE","listOrderStatus":"ALL_DONE",'
    b'"listClientOrderId":"iuVNVJYYrByz6C4yGOPPK0","transactionTime":1660803702431,'
    b'"symbol":"BTCUSDT","orders":[{"symbol":"BTCUSDT","orderId":12569099453,'
    b'"clientOrderId":"bX5wROblo6YeDwa9iTLeyY"},{"symbol":"BTCUSDT","orderId":12569099454,'
    b'"clientOrderId":"Tnu2IP0J5Y4mxw3IATBfmW"}],"orderReports":[{"symbol":"BTCUSDT",'
    b'"origClientOrderId":"bX5wROblo6YeDwa9iTLeyY","orderId":12569099453,'
    b'"orderListId":19431,"clientOrderId":"OFFXQtxVFZ6Nbcg4PgE2DA",'
    b'"transactTime":1684804350068,"price":"23450.50000000","origQty":"0.00850000",'
    b'"executedQty":"0.00000000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC",'
    b'"type":"STOP_LOSS_LIMIT","side":"BUY","stopPrice":"23430.00000000",'
    b'"selfTradePreventionMode":"NONE"},{"symbol":"BTCUSDT",'
    b'"origClientOrderId":"Tnu2IP0J5Y4mxw3IATBfmW","orderId":12569099454,'
    b'"orderListId":19431,"clientOrderId":"OFFXQtxVFZ6Nbcg4PgE2DA",'
    b'"transactTime":1684804350068,"price":"23400.00000000","origQty":"0.00850000",'
    b'"executedQty":"0.00000000","origQuoteOrderQty":"0.000000",'
    b'"cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC",'
    b'"type":"LIMIT_MAKER","side":"BUY","selfTradePreventionMode":"NONE"}]}],'
    b'"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,'
    b'"limit":6000,"count":1}]}'
)

# rest-api.md, Test new order (TRADE), "Response" with computeCommissionRates.
ORDER_TEST_RATES = (
    b'{"standardCommissionForOrder":{"maker":"0.00000112","taker":"0.00000114"},'
    b'"specialCommissionForOrder":{"maker":"0.05000000","taker":"0.06000000"},'
    b'"taxCommissionForOrder":{"maker":"0.00000112","taker":"0.00000114"},'
    b'"discount":{"enabledForAccount":true,"enabledForSymbol":true,"discountAsset":"BNB",'
    b'"discount":"0.25000000"}}'
)

# rest-api.md, Current average price, "Response".
AVG_PRICE = b'{"mins":5,"price":"9.35751834","closeTime":1694061154503}'

# web-socket-api.md, Event format.
WS_EVENT_FORMAT = (
    b'{"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1728972148778,'
    b'"u":1728972148778,"B":[{"a":"BTC","f":"11818.00000000","l":"182.00000000"},'
    b'{"a":"USDT","f":"10580.00000000","l":"70.00000000"}]}}'
)

# web-socket-api.md, Connection events, Server Shutdown.
WS_SERVER_SHUTDOWN = b'{"event":{"e":"serverShutdown","E":1770123456789}}'
