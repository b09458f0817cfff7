-- Several servers on one database (issue 17): the server that runs an instance, as the other
-- servers reach it (`wavehub serve --internal-url`), so their proxies can forward a visitor to it;
-- NULL when one server runs everything.
ALTER TABLE instances ADD COLUMN server_url TEXT;
