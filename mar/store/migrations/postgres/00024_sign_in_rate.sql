-- +goose Up
-- Sign-in attempts per client address in fixed windows, counted in the
-- database so that every replica of the service enforces one limit: an
-- address cannot get the limit once per replica by spreading its attempts
-- over a load balancer's backends.
CREATE TABLE sign_in_rate (
    address text NOT NULL,
    window_start timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    PRIMARY KEY (address, window_start)
);
CREATE INDEX sign_in_rate_window ON sign_in_rate (window_start);

-- +goose Down
DROP TABLE sign_in_rate;
