FROM nginx:1.27-alpine
COPY <<EOF /etc/nginx/conf.d/default.conf
server {
    listen 8080;
    location / { root /usr/share/nginx/html; }
}
EOF
COPY <<index.html <<robots.txt /usr/share/nginx/html/
<h1>hello</h1>
index.html
User-agent: *
robots.txt
EXPOSE 8080
# expect: none
