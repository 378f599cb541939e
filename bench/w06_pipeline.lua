-- wrk script for W6 with pipelining: every write on a connection carries 16 GET /
-- requests; wrk counts each of the 16 responses as a request.
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil, "/")
  end
  req = table.concat(r)
end

request = function()
  return req
end
