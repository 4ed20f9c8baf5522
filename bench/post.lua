-- wrk: the seed's sipgate.io POST
wrk.method = "POST"
wrk.body = "from=492111234567&to=4915791234567&direction=in"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
